"""Form conversion that knows our enums and scopes every relationship choice to the user's unit."""
from __future__ import annotations

from flask import current_app, session
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.contrib.sqla.fields import QuerySelectField
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.form import BaseForm, Select2Field, Select2Widget, rules
from flask_admin.model.form import converts
from flask_babel import lazy_gettext
from flask_babel.speaklater import LazyString
from flask_login import current_user
from flask_wtf.csrf import _FlaskFormCSRF
from markupsafe import Markup, escape
from wtforms import validators

from models import LabeledEnum, Unit, db

from models import policy
from services.table_cache import TableCache
from services.text import translated


class FastSelect2Widget(Select2Widget):
    """Flask-Admin's select2 drop-down, writing each plain ``<option>`` with one f-string: the department's
    unit drop-down has 150 of them, and WTForms' generic attribute writer made them half an edit page's
    time. The HTML is WTForms' (attributes in sorted order: ``selected`` before ``value``)."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        value = choice.value
        if isinstance(value, bool):
            value = str(value)
        # The blank choice shows its own text, never its value ("__None"); a lazy label translated once per language.
        label = choice.label
        if isinstance(label, LazyString):
            label = translated(label)
        label = escape(label if value == "__None" else (label or choice.value))
        return Markup(f'<option {"selected " if choice.selected else ""}value="{escape(value)}">{label}</option>')


#: The blank choice of an optional drop-down (a department user's unit).
NO_CHOICE = lazy_gettext("(none)")


def enum_coerce(enum_cls: type[LabeledEnum]):
    def coerce(value):
        if value is None or isinstance(value, enum_cls):
            return value
        if value == "":
            return None  # an empty choice posted as "" (not Select2's "__None"): no value, never a stored ""
        # An unknown name stays a string: the field's own check then says "Not a valid choice" in the
        # user's language (WTForms' "could not coerce" message has no Chinese translation).
        return enum_cls.__members__.get(value, value)

    return coerce


def enum_field(enum_cls: type[LabeledEnum], label=None, nullable=False, **kwargs) -> Select2Field:
    field_validators = kwargs.pop("validators", [])
    field_validators.append(validators.Optional() if nullable else validators.InputRequired())
    kwargs.setdefault("widget", FastSelect2Widget())
    return Select2Field(label, validators=field_validators, choices=enum_cls.choices(),
                        coerce=enum_coerce(enum_cls), allow_blank=nullable, **kwargs)


def scoped_query(model):
    """All rows of ``model`` the current user may see, evaluated at call time (per request)."""
    return policy.scope(current_user, model, db.session.query(model))


def _id_of(obj) -> int:
    return obj.id


def _choices_query(model):
    """A drop-down's rows, in scope (units in the order of their codes)."""
    query = scoped_query(model)
    return query.order_by(Unit.code) if model is Unit else query


def _default_factory(model):
    return lambda: _choices_query(model)


_DEFAULT_FACTORY_CODE = _default_factory(Unit).__code__


class NamedRowsSelectField(QuerySelectField):
    """The drop-down of a related row whose option text is one column (a unit: its name).

    Shown, its options are read as (id, name) pairs from the same scoped query, without building 150
    ORM objects; a posted choice is checked against the loaded rows exactly as Flask-Admin's field does.
    """

    def __init__(self, *args, label_column, scoped_model=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.label_column = label_column
        #: The model whose in-scope rows the default query lists (admin/fields.py ``_choices_query``): its pairs
        #: are then kept between requests per scope (``policy.scope_key``), dropped when its table changes.
        self.scoped_model = scoped_model

    def iter_choices(self):
        if self._formdata is not None or self._object_list is not None:
            yield from super().iter_choices()  # a posted form: the rows are loaded for its validation anyway
            return
        selected = getattr(self.data, "id", None)
        if self.allow_blank:
            yield ("__None", self.blank_text, self.data is None, {})
        for pk, label in self._pairs():
            yield (str(pk), label, pk == selected, {})

    def _pairs(self):
        """The (id, name) pairs of the drop-down: read from the query, or, for the default scoped query, kept
        between requests for everyone who sees the same rows (the department: every unit; a unit user: theirs)."""
        entity = self.label_column.class_
        if self.query is None and self.scoped_model is not None:
            return _NAMED_ROWS.get(self.scoped_model.__tablename__, self.label_column.key,
                                   policy.scope_key(current_user))
        query = self.query or self.query_factory()
        return query.with_entities(entity.id, self.label_column)


def _read_named_rows(table: str, column: str, scope: tuple) -> list:
    """The in-scope rows' (id, label) pairs of a drop-down (for _NAMED_ROWS; ``scope`` is the reader's scope key,
    checked against the signed-in user's: a cached list is only ever made from that user's own query)."""
    if policy.scope_key(current_user) != tuple(scope):
        raise RuntimeError("a drop-down's rows read for another scope")
    model = next(m for m in db.Model.registry.mappers if m.class_.__tablename__ == table).class_
    label = getattr(model, column)
    return [[pk, name] for pk, name in _choices_query(model).with_entities(model.id, label)]


#: The named rows of the relationship drop-downs (the department's 150 units), per table, column and scope.
_NAMED_ROWS = TableCache("named_rows", ("units",), _read_named_rows, lambda rows: [tuple(row) for row in rows])


class ScopedModelConverter(AdminModelConverter):
    @converts("sqlalchemy.sql.sqltypes.Enum")
    def convert_enum(self, column, field_args, **extra):
        enum_cls = column.type.enum_class
        if enum_cls is None or not issubclass(enum_cls, LabeledEnum):
            return super().convert_enum(column, field_args, **extra)
        field_args["validators"].append(
            validators.Optional() if column.nullable else validators.InputRequired())
        field_args.setdefault("widget", FastSelect2Widget())
        return Select2Field(choices=enum_cls.choices(), coerce=enum_coerce(enum_cls),
                            allow_blank=column.nullable, **field_args)

    def _model_select_field(self, prop, multiple, remote_model, **kwargs):
        # Flask-Admin's default lists every unit's rows; WTForms then also accepts any posted id.
        if prop.key not in getattr(self.view, "_form_ajax_refs", {}):
            kwargs.setdefault("query_factory", _default_factory(remote_model))
            kwargs.setdefault("widget", FastSelect2Widget(multiple=bool(multiple)))
            # Every model's key is its integer ``id``: read it directly (Flask-Admin asks SQLAlchemy for the
            # identity key of each of the 150 units, ~10 µs each).
            kwargs.setdefault("get_pk", _id_of)
            if not multiple:
                kwargs.setdefault("blank_text", NO_CHOICE)
            if remote_model is Unit and not multiple:
                ours = kwargs["query_factory"].__code__ is _DEFAULT_FACTORY_CODE
                return NamedRowsSelectField(label_column=Unit.name, scoped_model=Unit if ours else None, **kwargs)
        return super()._model_select_field(prop, multiple, remote_model, **kwargs)


class ScopedAjaxLoader(QueryAjaxModelLoader):
    #: A look-up returns at most this many rows, whatever ?limit= asks.
    MAX_LIMIT = 50
    """Ajax look-up (``ajax/lookup/``) limited to the user's rows, for listing and for posted ids."""

    def __init__(self, name, model, **options):
        options.setdefault("page_size", 20)
        super().__init__(name, db, model, **options)

    def get_query(self):
        return scoped_query(self.model)

    def get_list(self, term, offset=0, limit=20):
        offset = max(0, min(int(offset or 0), 10_000))
        limit = max(1, min(int(limit or 20), self.MAX_LIMIT))
        return super().get_list(term, offset, limit)

    def get_one(self, pk):
        with db.session.no_autoflush:
            return policy.get_visible(current_user, self.model, pk)


def unit_lookup() -> ScopedAjaxLoader:
    """The unit of a department's form as a search box (``ajax/lookup/?name=unit``, scoped like every look-up):
    a drop-down of every unit was 1,500 options, ~150 kB of every account, person and user form at province
    scale (issue 18). Opened empty it offers the first units by code, as the drop-down did."""
    return ScopedAjaxLoader("unit", Unit, fields=["name", "code"], order_by="code", minimum_input_length=0,
                            placeholder=lazy_gettext("Type part of the unit's name or code to search"))


class AdminForm(BaseForm):
    """Flask-Admin forms with Flask-WTF's session token, so one CSRF token serves every form.

    (Flask-Admin's SecureForm has its own token, which the app-wide CSRFProtect would refuse;
    subclassing FlaskForm instead breaks Flask-Admin's form handling, pallets-eco/flask-admin#1007.)
    """

    class Meta:
        csrf = True
        csrf_class = _FlaskFormCSRF
        csrf_context = session

        @property
        def csrf_secret(self):
            return current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key

        @property
        def csrf_field_name(self):
            return current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")

        @property
        def csrf_time_limit(self):
            return current_app.config.get("WTF_CSRF_TIME_LIMIT", 3600)


class OptionalField(rules.Field):
    """A form rule for a field that some users' forms leave out (e.g. the unit, for unit users)."""

    def __call__(self, form, form_opts=None, field_args=None):
        if getattr(form, self.field_name, None) is None:
            return ""
        return super().__call__(form, form_opts, field_args)


class RenderedByForm(rules.Field):
    """Keeps a hidden field in the form (a ruleset drops fields it does not name) without drawing it
    a second time with a label: the form's hidden_tag() renders every hidden field."""

    def __call__(self, form, form_opts=None, field_args=None):
        return ""


class GroupTitle(rules.BaseRule):
    """A group's title, translated when the form is shown (not when the module is imported)."""

    def __init__(self, title):
        super().__init__()
        self.title = title

    def __call__(self, form, form_opts=None, field_args=None):
        return Markup(f'<h5 class="mt-4 mb-2 border-bottom pb-1">{escape(translated(self.title))}</h5>')


def group(title, *names) -> list:
    """A titled group of fields on a form, as the paper form groups its rows."""
    return [GroupTitle(title)] + [OptionalField(name) for name in names]


# --- forms laid out like the paper forms (the 备案审批表's groups of rows) ----------------------------------------
class Cell(OptionalField):
    """One field of a :class:`Section`: a cell of its grid, or a whole row of it (``wide``)."""

    def __init__(self, field_name, wide=False):
        super().__init__(field_name)
        self.wide = wide

    def __call__(self, form, form_opts=None, field_args=None):
        html = super().__call__(form, form_opts, field_args)
        if not html:
            return ""
        # (f-strings with escape(): Markup.format costs some fifty calls, and a form has up to twenty cells)
        return Markup(f'<div class="form-cell{" form-cell-wide" if self.wide else ""}" '
                      f'data-field="{escape(self.field_name)}">{formatted(html)}</div>')


def formatted(value) -> Markup:
    """``value`` as ``Markup("{}").format(value)`` writes it (escaped unless it is Markup; an object with
    ``__html__`` — a lazy string — by the text it gives, escaped), without the formatter's fifty calls."""
    if hasattr(value, "__html_format__"):
        value = value.__html_format__("")
    elif hasattr(value, "__html__"):
        value = value.__html__()
    else:
        value = format(value, "")
    return escape(value)


class Facts(rules.BaseRule):
    """Read-only lines of a section (what the form does not edit: the unit's head, the opinions of the review):
    ``facts(record)`` gives (label, value) pairs for the record being edited (None on a new record's form)."""

    def __init__(self, facts):
        super().__init__()
        self.facts = facts

    def __call__(self, form, form_opts=None, field_args=None):
        lines = [(str(label), value) for label, value in self.facts(getattr(form, "record", None)) if value]
        if not lines:
            return ""
        items = "".join(f"<dt>{escape(label)}</dt><dd>{formatted(value)}</dd>" for label, value in lines)
        return Markup(f'<dl class="form-cell form-cell-wide form-facts">{items}</dl>')


class Section(rules.NestedRule):
    """A group of rows of the paper form: a fieldset with its heading, its fields in two columns on a wide screen
    and in one on a phone (views/static/admin.css, ``.form-section-grid``). A section whose fields the user's form
    leaves out (and that has no facts to show) is not drawn."""

    def __init__(self, key, title, *names, wide=(), extra=()):
        super().__init__([Cell(name, wide=name in wide) for name in names] + list(extra))
        self.key, self.title = key, title

    def __call__(self, form, form_opts=None, field_args=None):
        inner = super().__call__(form, form_opts, field_args)
        if not str(inner).strip():
            return ""
        return Markup(f'<fieldset class="form-section" id="section-{escape(self.key)}">'
                      f'<legend class="form-section-title">{escape(translated(self.title))}</legend>'
                      f'<div class="form-section-grid">{formatted(inner)}</div></fieldset>')


def error_summary(form) -> list[tuple[str, str, str]]:
    """Every refusal on a form as (the field's id, where it is, the message), in the order of the form, for the
    summary at its top (each also shows next to its field or team row): the fields' own errors, the rows of an
    inline list (e.g. the management team) and the problems that belong to no field (``form.problems``)."""
    found = []
    for field in form:
        if getattr(field.widget, "input_type", None) == "hidden":
            continue
        found += [(field.id, str(field.label.text), error) for error in field.errors if isinstance(error, str)]
        for number, entry in enumerate(getattr(field, "entries", None) or [], start=1):
            subform = getattr(entry, "form", None)
            for subfield in subform or ():
                errors = [error for error in subfield.errors if isinstance(error, str)]
                if errors:
                    where = f"{field.label.text} #{number} · {subfield.label.text}"
                    found += [(subfield.id, where, error) for error in errors]
    found += [("", "", message) for message in getattr(form, "problems", ())]
    return found


def add_error(field, message: str) -> None:
    """Show ``message`` next to ``field`` (and so in the summary)."""
    field.errors = [*(field.errors or ()), str(message)]
