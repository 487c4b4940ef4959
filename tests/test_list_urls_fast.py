"""The list's own URLs (sort headers, pager, page sizes) are made without a ``url_for`` each (admin/listing.py
``_get_list_url``, issue 18 item 2): the same text as Flask-Admin's for every kind of argument."""
import pytest
from flask_admin.model.base import BaseModelView, ViewArgs

from admin.listing import ListPageMixin


def views(app):
    return {v.endpoint: v for v in app.extensions["admin"][0]._views if isinstance(v, ListPageMixin)}


ARGS = [
    dict(page=0, page_size=None, sort=None, sort_desc=False, search=None, filters=None),
    dict(page=3, page_size=50, sort=2, sort_desc=True, search="学院 a&b=c/d?", filters=None),
    dict(page=0, page_size=20, sort=0, sort_desc=False, search="", filters=None, extra_args={"object": "Account:1",
                                                                                          "x": ["1", "2"]}),
]


@pytest.mark.parametrize("args", ARGS)
@pytest.mark.parametrize("base_url", ["http://localhost/", "http://localhost/register/"])
def test_the_same_urls_as_flask_admins(app, args, base_url):
    for endpoint, view in views(app).items():
        filters = None
        if view._filters:
            flt = view._filters[0]
            filters = [(0, view.get_filter_arg(0, flt), "值 1")]
        view_args = ViewArgs(**{**args, "filters": filters if args.get("search") else args["filters"]})
        with app.test_request_context(view.url + "/", base_url=base_url):
            ours = view._get_list_url(view_args)
            theirs = BaseModelView._get_list_url(view, view_args)
        assert ours == theirs, endpoint


def test_the_pagers_urls_in_one_request_each_have_their_page(app):
    """The query's rest is made once per request and set of arguments; each page, sort and search still gets its
    own URL, the same text as Flask-Admin's."""
    view = views(app)["accounts"]
    with app.test_request_context(view.url + "/"):
        for sort, search in ((None, None), (1, "a b"), (1, "a b"), (None, None)):
            for page in (0, 1, 2, 7, 0):
                view_args = ViewArgs(page=page, page_size=20, sort=sort, sort_desc=bool(sort), search=search,
                                     filters=None)
                assert view._get_list_url(view_args) == BaseModelView._get_list_url(view, view_args)
