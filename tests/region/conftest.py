"""Fixtures of the region builder's tests: the fake services and LA-Linköping fetched from them."""

from __future__ import annotations

import shutil

import pytest

from sim.region.fetch import fetch_region
from sim.region.spec import make_spec
from sim.region.store import RawStore
from tests.region.fake_services import LA_LINKOPING, FakeClock, FakeServices


@pytest.fixture
def services():
    clock = FakeClock()
    return FakeServices(clock), clock


def fetch(folder, services, name="la_linkoping", codes=LA_LINKOPING, base_year=2024, **kw):
    fake, clock = services
    spec = make_spec(name, list(codes), base_year)
    report = fetch_region(spec, RawStore(folder), transport=fake.transport(), clock=clock, **kw)
    return spec, report


@pytest.fixture(scope="session")
def fetched_la(tmp_path_factory):
    """LA-Linköping (five municipalities, base year 2024) fetched once from the fake services;
    tests copy it before changing it."""
    folder = tmp_path_factory.mktemp("fetched") / "la_linkoping.fetched"
    clock = FakeClock()
    fetch(folder, (FakeServices(clock), clock))
    return folder


@pytest.fixture
def fetched_copy(fetched_la, tmp_path):
    folder = tmp_path / "la_linkoping.fetched"
    shutil.copytree(fetched_la, folder)
    return folder
