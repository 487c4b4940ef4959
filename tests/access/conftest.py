"""The access matrix's world, kept between its tests: built once by the factories (tests/conftest.py
``build_world`` → ``build_access_world`` → the extras a test asks for), and built again only when a test
wrote to the database (a statement that changes data ran) or asks for other extras. Every test therefore
starts on the same rows as if its world had been built for it alone. See ``Tables`` and ``keep_world``."""
from __future__ import annotations

import pytest

from ..conftest import build_access_world, build_attachment_world, build_deletable, build_world, keep_world

#: Fixtures that add rows to the access world, in the order they are built (the test asks for them by name).
EXTRAS = {"deletable": build_deletable, "attachment_world": build_attachment_world}


@pytest.fixture
def kept_world(app, request):
    extras = tuple(name for name in EXTRAS if name in request.fixturenames)

    def build():
        world = build_world(app)
        access = build_access_world(app, world)
        return {"world": world, "access_world": access, **{name: EXTRAS[name](app, access) for name in extras}}

    return keep_world(app, ("access",) + extras, build)


@pytest.fixture
def world(kept_world):
    return kept_world["world"]


@pytest.fixture
def access_world(kept_world):
    return kept_world["access_world"]


@pytest.fixture
def deletable(kept_world):
    return kept_world["deletable"]


@pytest.fixture
def attachment_world(kept_world):
    return kept_world["attachment_world"]
