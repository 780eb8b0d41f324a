"""The governance tests share the `rules` fixture (a community's governance rules for tests)"""

from tests.governance.test_proposals import rules  # noqa: F401 (a fixture, found by pytest)
