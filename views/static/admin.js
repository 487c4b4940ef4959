/* Behaviour that Flask-Admin's and our templates used to put in inline event handlers (onclick=…,
 * href="javascript:…"), which the Content-Security-Policy forbids. One delegated listener each:
 *   [data-confirm]       on a button or link: confirm() before it acts; on a form: before it is sent
 *   [data-model-action]  an entry of the list's "With selected" menu (Flask-Admin's actions.js)
 *   [data-inline-add]    "Add …" under an inline list, e.g. the team members of an account
 *   a[href="#"]          dropdown toggles and the "Add filter" entries: never follow the link
 *   [data-new-person]    "New person" beside a team row: the dialog of admin/_new_person.html, posted as
 *                        JSON to the manager view; the new person is then chosen in that row
 *   #form-error-summary  a form's refusals at its top: focused, so a screen reader reads them first
 * The click listener runs in the capture phase: Flask-Admin's multi-level dropdown script stops the
 * toggles' clicks from bubbling, and a dismissed confirmation must stop the click before anything else.
 */
(function () {
  'use strict';

  function closest(event, selector) {
    return event.target instanceof Element ? event.target.closest(selector) : null;
  }

  document.addEventListener('click', function (event) {
    var confirming = closest(event, '[data-confirm]:not(form)');
    if (confirming) {
      if (!window.confirm(confirming.getAttribute('data-confirm'))) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
      return;
    }
    var action = closest(event, '[data-model-action]');
    if (action) {
      event.preventDefault();
      window.modelActions.execute(action.getAttribute('data-model-action'));
      return;
    }
    var add = closest(event, '[data-inline-add]');
    if (add) {
      event.preventDefault();
      window.faForm.addInlineField(add, add.getAttribute('data-inline-add'));
      return;
    }
    var newPerson = closest(event, '[data-new-person]');
    if (newPerson) {
      event.preventDefault();
      openNewPerson(newPerson);
      return;
    }
    if (closest(event, '[data-close-dialog]')) {
      event.preventDefault();
      closest(event, 'dialog').close();
      return;
    }
    if (closest(event, 'a[href="#"]')) {
      event.preventDefault();
    }
  }, true);

  // --- a new person from a team row ------------------------------------------------------------------
  var personRow = null;

  function openNewPerson(button) {
    var dialog = document.getElementById('new-person-dialog');
    if (!dialog) { return; }
    personRow = button.closest('.inline-field');
    var form = dialog.querySelector('form');
    form.reset();
    showErrors(form, {});
    var role = personRow && personRow.querySelector('select[name$="-role"]');
    form.elements.team_role.value = role ? role.value : '';
    var verified = document.querySelector('.admin-form input[name="verified"]');
    form.elements.account_verified.value = verified && verified.checked ? 'y' : '';
    var unit = document.querySelector('.admin-form select[name="unit"]');
    if (unit && form.elements.unit && unit.value && unit.value !== '__None') {
      form.elements.unit.value = unit.value;  // the department's new person: the account's unit first
    }
    dialog.showModal();
    var first = form.querySelector('input:not([type=hidden]), select');
    if (first) { first.focus(); }
  }

  function showErrors(form, errors) {
    var boxes = {};
    form.querySelectorAll('[data-errors-for]').forEach(function (box) { boxes[box.getAttribute('data-errors-for')] = box; });
    var general = (errors[''] || []).slice();
    Object.keys(errors).forEach(function (name) {
      if (name && !boxes[name]) { general = general.concat(errors[name]); }  // e.g. an expired CSRF token
    });
    Object.keys(boxes).forEach(function (name) {
      var box = boxes[name];
      var messages = name ? (errors[name] || []) : general;
      box.textContent = messages.join(' ');
      if (name) {
        box.classList.toggle('d-block', messages.length > 0);
        var input = box.parentNode.querySelector('input, select, textarea');
        if (input) { input.classList.toggle('is-invalid', messages.length > 0); }
      } else {
        box.classList.toggle('d-none', !messages.length);
      }
    });
  }

  function choosePerson(row, id, text) {
    var input = row && row.querySelector('input[name$="-manager"]');
    if (!input) { return; }
    input.setAttribute('data-json', JSON.stringify([id, text]));
    if (window.jQuery && window.jQuery(input).data('select2')) {
      window.jQuery(input).select2('data', {id: id, text: text});
    }
    input.value = id;
    input.classList.remove('is-invalid');
  }

  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-new-person-form')) { return; }
    event.preventDefault();
    var button = form.querySelector('button[type=submit]');
    button.disabled = true;
    fetch(form.action, {method: 'POST', body: new FormData(form), credentials: 'same-origin',
                        headers: {'Accept': 'application/json'}})
      .then(function (response) {
        return response.json().catch(function () { return {ok: false, errors: {'': [response.statusText]}}; });
      })
      .then(function (answer) {
        if (answer.ok) {
          choosePerson(personRow, answer.id, answer.text);
          form.closest('dialog').close();
        } else {
          showErrors(form, answer.errors || {});
        }
      })
      .finally(function () { button.disabled = false; });
  }, true);

  document.addEventListener('DOMContentLoaded', function () {
    var summary = document.getElementById('form-error-summary');
    if (summary) { summary.focus(); }
  });

  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.hasAttribute('data-confirm') &&
        !window.confirm(form.getAttribute('data-confirm'))) {
      event.preventDefault();
    }
  }, true);
})();
