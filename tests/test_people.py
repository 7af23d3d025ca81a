"""``gkctl people``: admin-signed changes to people.yaml, and what revocation does to history."""

from __future__ import annotations

from pathlib import Path

import pytest

from gkctl.core.errors import InputError, RuleError
from gkctl.services import people, steps
from gkctl.services.steps import today_beijing
from helpers.docs import write_doc
from helpers.sig import make_ssh_key
from helpers.workflow import Bureau, run_git

DOC = "docs/2026/2026-bgs-001.md"


@pytest.fixture
def bureau(repo: Path, admin_key, tmp_path: Path) -> Bureau:
    b = Bureau(repo, admin_key, tmp_path / "people-keys")
    write_doc(repo, DOC, drafter="clerk")
    b.commit_file("clerk", DOC)
    return b


def test_add_refuses_duplicates_and_bad_keys(bureau: Bureau, tmp_path: Path) -> None:
    admin = bureau.as_("admin").repo
    with pytest.raises(RuleError):  # the id exists
        people.add_person(admin, "reviewer", "重名", "办公室", ["reviewer"], make_ssh_key(tmp_path / "a", "a").line)
    with pytest.raises(RuleError) as exc:  # the key belongs to someone already
        people.add_person(admin, "newbie", "新人", "办公室", ["reviewer"], bureau.keys["reviewer"].line)
    assert "reviewer" in exc.value.message
    with pytest.raises(InputError):
        people.add_person(admin, "newbie", "新人", "办公室", ["reviewer"], "not a key")
    with pytest.raises(InputError):
        people.add_person(admin, "Bad Id", "新人", "办公室", ["reviewer"], make_ssh_key(tmp_path / "b", "b").line)
    assert run_git(bureau.root, "status", "--porcelain") == ""


def test_revocation_keeps_earlier_approvals_and_stops_later_ones(bureau: Bureau) -> None:
    steps.decide(bureau.as_("reviewer").repo, DOC, "review", True, "通过")
    people.revoke_person(bureau.as_("admin").repo, "reviewer", today_beijing())
    st = bureau.state(DOC)
    assert st.state == "in_review" and st.steps[0].approvals[0].person == "reviewer"  # signed while active
    listing = {p.id: p for p in people.list_people(bureau.repo)}
    assert listing["reviewer"].active_until == today_beijing()


def test_revoke_by_non_admin_is_refused(bureau: Bureau) -> None:
    before = run_git(bureau.root, "rev-parse", "HEAD")
    with pytest.raises(RuleError):
        people.revoke_person(bureau.as_("reviewer").repo, "clerk", today_beijing())
    assert run_git(bureau.root, "rev-parse", "HEAD") == before


def test_export_lists_every_ssh_key_with_its_validity(bureau: Bureau) -> None:
    people.revoke_person(bureau.as_("admin").repo, "p3", today_beijing())
    text, count = people.export_allowed_signers(bureau.repo)
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    assert count == len(lines) == 9
    p3 = next(ln for ln in lines if ln.startswith("p3 "))
    assert 'valid-before="' in p3 and bureau.keys["p3"].key in p3
