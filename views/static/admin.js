/* Behaviour that Flask-Admin's and our templates used to put in inline event handlers (onclick=…,
 * href="javascript:…"), which the Content-Security-Policy forbids. One delegated listener each:
 *   [data-confirm]       on a button or link: confirm() before it acts; on a form: before it is sent
 *   [data-model-action]  an entry of the list's "With selected" menu (Flask-Admin's actions.js)
 *   [data-inline-add]    "Add …" under an inline list, e.g. the team members of an account
 *   a[href="#"]          dropdown toggles and the "Add filter" entries: never follow the link
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
    if (closest(event, 'a[href="#"]')) {
      event.preventDefault();
    }
  }, true);

  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.hasAttribute('data-confirm') &&
        !window.confirm(form.getAttribute('data-confirm'))) {
      event.preventDefault();
    }
  }, true);
})();
