"""The limits the API server and the kubelet hold a Job to (limits.py): values at each limit are accepted,
values just past it refused with a message, and each check reads its numbers from the one table."""

from __future__ import annotations

import string

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from components.core import limits
from components.core.limits import (
    LIMITS,
    annotations_size_problem,
    counted_in_whole_numbers,
    image_problem,
    label_value_problem,
    nul_problem,
    path_component_problem,
    quota_value_problem,
    rfc3339_problem,
    seccomp_problem,
    whole_number_problem,
)

PROPERTIES = settings(max_examples=150, deadline=None)

# Written out here from the sources, independently of the table: (low, high) of each whole-number field.
WHOLE_NUMBERS = {
    "backoffLimit": (0, 2_147_483_647),
    "ttlSecondsAfterFinished": (0, 2_147_483_647),
    "activeDeadlineSeconds": (1, 9_223_372_036),  # (2**63 - 1) // 10**9: the Job controller's Duration
    "runAsUser": (0, 2_147_483_647),
    "runAsGroup": (0, 2_147_483_647),
    "fsGroup": (0, 2_147_483_647),
    "tolerationSeconds": (-(2**63), 2**63 - 1),
}


def test_every_row_names_its_field_rule_and_source():
    for name, row in LIMITS.items():
        assert row.field and row.rule and row.source, name
    assert set(WHOLE_NUMBERS) <= set(LIMITS)


@PROPERTIES
@given(st.sampled_from(sorted(WHOLE_NUMBERS)), st.data())
def test_whole_numbers_within_the_range_are_accepted(name, data):
    low, high = WHOLE_NUMBERS[name]
    value = data.draw(st.one_of(st.just(low), st.just(high), st.integers(low, high)))
    assert whole_number_problem(name, value) is None


@PROPERTIES
@given(st.sampled_from(sorted(WHOLE_NUMBERS)), st.data())
def test_whole_numbers_just_past_the_range_are_refused_with_the_bound(name, data):
    low, high = WHOLE_NUMBERS[name]
    side = data.draw(st.sampled_from(["low", "high"]))
    value = data.draw(st.one_of(st.just(low - 1), st.integers(max_value=low - 1))) if side == "low" else data.draw(
        st.one_of(st.just(high + 1), st.integers(min_value=high + 1))
    )
    found = whole_number_problem(name, value)
    assert found is not None and (f"less than {low:,}" if side == "low" else f"more than {high:,}") in found, found


@pytest.mark.parametrize("value", [True, 1.0, "1", None])
def test_a_whole_number_field_refuses_anything_but_a_whole_number(value):
    assert "must be a whole number from 0 to 2,147,483,647" in whole_number_problem("backoffLimit", value)


def test_the_checks_read_the_table(monkeypatch):
    monkeypatch.setitem(LIMITS, "backoffLimit", LIMITS["backoffLimit"].__class__("f", "r", "s", low=0, high=6))
    assert whole_number_problem("backoffLimit", 6) is None and "more than 6" in whole_number_problem("backoffLimit", 7)


# --- seccomp: Localhost needs its profile, the other types forbid one -------------------------------

profiles = st.text(alphabet=string.ascii_letters + string.digits + "-_./", min_size=1, max_size=30)


@PROPERTIES
@given(st.sampled_from(["RuntimeDefault", "Unconfined", "Localhost"]), st.one_of(st.none(), profiles))
def test_localhost_profile_goes_with_type_localhost_only(kind, local):
    profile = {"type": kind} | ({} if local is None else {"localhostProfile": local})
    found = seccomp_problem(profile)
    valid_local = local is not None and not local.startswith("/") and ".." not in local.split("/")
    if kind == "Localhost":
        assert (found is None) == valid_local, (profile, found)
        if local is None:
            assert "needs localhostProfile" in found
    else:
        assert (found is None) == (local is None), (profile, found)
        if local is not None:
            assert "only for type Localhost" in found


# --- annotations: 262,144 bytes of keys and values, counted in UTF-8 --------------------------------


@PROPERTIES
@given(st.integers(1, 20), st.sampled_from(["a", "é", "€", "😀"]), st.booleans())
def test_annotations_up_to_256_kib_are_accepted_and_one_byte_more_refused(count, character, over):
    assert LIMITS["annotationsSize"].size == 262_144
    budget = 262_144 + (1 if over else 0)
    keys = [f"example.com/k{index}" for index in range(count)]
    room = budget - sum(len(key) for key in keys)
    width = len(character.encode())
    values = [character * (room // count // width)] * count
    filler = room - sum(len(value.encode()) for value in values)
    values[-1] += "a" * filler  # exactly `budget` bytes, though fewer characters when they are multi-byte
    annotations = dict(zip(keys, values))
    assert sum(len(k.encode()) + len(v.encode()) for k, v in annotations.items()) == budget
    found = annotations_size_problem(annotations)
    assert (found is not None) == over, found
    if over:
        assert "262,145 bytes, more than the 262,144 bytes" in found


# --- label values: 63 characters --------------------------------------------------------------------

label_values = st.tuples(
    st.sampled_from(string.ascii_letters + string.digits),
    st.text(alphabet=string.ascii_letters + string.digits + "-_.", max_size=61),
    st.sampled_from(string.ascii_letters + string.digits),
).map("".join)


@PROPERTIES
@given(label_values, st.integers(0, 80))
def test_label_values_up_to_63_characters_are_accepted(value, length):
    value = (value * 80)[:length].rstrip("-_.")
    assume(value == "" or value[-1].isalnum())
    found = label_value_problem(value)
    assert (found is None) == (len(value) <= 63), (value, found)


@pytest.mark.parametrize("value", ["-a", "a-", "a b", "é", "a/b"])
def test_label_values_of_other_characters_are_refused(value):
    assert "is not a valid label value" in label_value_problem(value)


# --- quota: object counts and extended resources in whole numbers -------------------------------------


@PROPERTIES
@given(
    st.sampled_from(["pods", "secrets", "configmaps", "services", "persistentvolumeclaims", "count/jobs.batch", "nvidia.com/gpu"]),
    st.integers(0, 10**6),
    st.sampled_from(["", "k", "M"]),
)
def test_counted_resources_take_whole_numbers(resource, number, suffix):
    assert quota_value_problem(resource, f"{number}{suffix}") is None


@PROPERTIES
@given(
    st.sampled_from(["pods", "secrets", "count/jobs.batch", "nvidia.com/gpu"]),
    st.integers(0, 10**6),
    st.sampled_from([("{}.5", ""), ("{}500m", ""), ("{}1m", ""), ("0.{}1", "")]),
)
def test_counted_resources_refuse_fractions(resource, number, form):
    quantity = form[0].format(number)
    found = quota_value_problem(resource, quantity)
    assert found is not None and f"{resource} is counted in whole units" in found, (quantity, found)


@pytest.mark.parametrize("resource", ["cpu", "memory", "requests.cpu", "limits.memory", "requests.nvidia.com/gpu", "requests.storage"])
def test_measured_resources_take_fractions(resource):
    assert not counted_in_whole_numbers(resource)
    assert quota_value_problem(resource, "1500m") is None


# --- path components: 255 bytes of UTF-8 ----------------------------------------------------------------


@PROPERTIES
@given(st.sampled_from(["a", "é", "€", "😀"]), st.integers(1, 300), st.integers(0, 3))
def test_path_names_are_counted_in_bytes(character, count, depth):
    name = character * count
    path = "/" + "/".join(["data"] * depth + [name])
    found = path_component_problem(path)
    size = len(name.encode())
    assert (found is None) == (size <= 255), (size, found)
    if found:
        assert f"is {size} bytes long (UTF-8)" in found and "at most 255 bytes" in found


# --- NUL, image references, dates ----------------------------------------------------------------------


@PROPERTIES
@given(st.text(max_size=20), st.text(max_size=20))
def test_a_nul_anywhere_in_a_command_is_refused(before, after):
    assume("\x00" not in before + after)
    assert nul_problem(before + after) is None
    assert "NUL character" in nul_problem(before + "\x00" + after)


@PROPERTIES
@given(st.text(alphabet=string.ascii_lowercase + string.digits + "./:-_@", min_size=1, max_size=40), st.characters(min_codepoint=128))
def test_image_references_are_ascii(reference, odd):
    assert image_problem(reference) is None
    assert "is ASCII" in image_problem(reference + odd)


offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(
    lambda minutes: "Z" if minutes == 0 else f"{'+' if minutes > 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
)


@PROPERTIES
@given(st.datetimes(), offsets)
def test_times_are_accepted_when_their_utc_time_is_in_the_calendar(moment, offset):
    text = moment.replace(microsecond=0).isoformat() + offset
    found = rfc3339_problem(text)
    sign = 0 if offset == "Z" else (1 if offset[0] == "+" else -1)
    minutes = 0 if offset == "Z" else int(offset[1:3]) * 60 + int(offset[4:6])
    utc_minutes = (moment.toordinal() * 24 * 60) + moment.hour * 60 + moment.minute - sign * minutes
    first, last = 1 * 24 * 60, (__import__("datetime").date.max.toordinal() + 1) * 24 * 60
    inside = first <= utc_minutes < last
    assert (found is None) == inside, (text, found)
    if not inside:
        assert "outside the calendar once in UTC: a time is within years 1 to 9999" in found


@pytest.mark.parametrize(
    "text, words",
    [
        ("0001-01-01T00:00:00+01:00", "outside the calendar"),
        ("9999-12-31T23:30:00-01:00", "outside the calendar"),
        ("2026-02-30", "not an RFC 3339 date"),
        ("next year", "not an RFC 3339 date"),
        ("2026-06-30T12:00:00", "has no time zone"),
    ],
)
def test_a_time_outside_the_calendar_or_without_a_zone_is_a_message_not_an_overflow(text, words):
    assert words in rfc3339_problem(text)


def test_times_at_the_ends_of_the_calendar_are_accepted():
    assert rfc3339_problem("0001-01-01T00:00:00Z") is None
    assert rfc3339_problem("9999-12-31T23:59:59Z") is None
    assert rfc3339_problem("0001-01-01T00:59:00-00:59") is None  # 01:58 UTC
    assert limits.LIMITS["rfc3339"].low == 1 and limits.LIMITS["rfc3339"].high == 9999
