"""Unit and property tests of the names derived from the user's identifiers (components.core.names).

docs/mount-rules.md §1 and §6: Kubernetes names derived from entry names are valid
DNS-1123 labels, deterministic, and never collide; credential variables get
valid environment names; label values are valid label values.
"""

from __future__ import annotations

import json
import os
import re
import string
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.core.names import dns_label, env_name, label_value

DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# What §6 promises for the variables derived from entry names.
UPPER_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
LABEL_VALUE = re.compile(r"([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?")
LOWER_ALNUM = string.ascii_lowercase + string.digits
# Derived names end in a separator and an 8-digit hex digest; a name that already
# ends like that is derived too, so it cannot coincide with another name's.
DIGEST_ENDING = re.compile(r"[-_.][0-9a-fA-F]{8}$")
PROJECT_DIR = Path(__file__).resolve().parent.parent

EXAMPLES = settings(max_examples=200, deadline=None)

# Names a catalog can hold, ordinary or not.
ODD_NAMES = ["data1", "data-gcs", "Data_Set.v2", "data.set", "DATA", "données", "数据", "-data-", "", "a" * 70, "$(HOME)"]

#: DNS-1123 labels of any valid length.
valid_labels = (
    st.text(alphabet=LOWER_ALNUM + "-", min_size=1, max_size=63).map(lambda text: text.strip("-")).filter(bool)
)

#: Identifiers as users write them: valid labels, arbitrary unicode, punctuation, and names too long for a label.
identifiers = st.one_of(
    valid_labels,
    st.sampled_from(ODD_NAMES),
    st.text(max_size=20),
    st.text(alphabet="aA0_.-$() é", max_size=10),
    st.text(alphabet=LOWER_ALNUM + "-_.", min_size=60, max_size=90),
)

#: The prefixes pod volume names use (volume names are `<side>-<entry>`).
label_prefixes = st.sampled_from(["", "data-", "outputs-"])

#: Prefixes that are valid environment names themselves, such as POLYAXON_STORE_DATA_.
env_prefixes = st.one_of(
    st.sampled_from(["POLYAXON_STORE_DATA_", "POLYAXON_STORE_OUTPUTS_"]),
    st.from_regex(r"[A-Z_][A-Z0-9_]{0,15}", fullmatch=True),
)

#: Label values that are already valid, up to the 63-character limit.
valid_label_values = st.text(alphabet=string.ascii_letters + string.digits + "-_.", max_size=63).filter(
    LABEL_VALUE.fullmatch
)


def is_dns_label(value: str) -> bool:
    return bool(DNS_LABEL.fullmatch(value)) and len(value) <= 63


# --- dns_label ---------------------------------------------------------------------


def test_dns_label_examples() -> None:
    assert dns_label("data1") == "data1"
    assert dns_label("data-foo", prefix="data-") == "data-data-foo"
    assert re.fullmatch(r"data-set-v2-[0-9a-f]{8}", dns_label("Data_Set.v2"))
    assert re.fullmatch(r"data-x-[0-9a-f]{8}", dns_label("数据", prefix="data-"))
    long = dns_label("a" * 70)
    assert len(long) == 63 and long.startswith("a" * 40) and is_dns_label(long)


@EXAMPLES
@given(valid_labels, label_prefixes)
def test_dns_label_keeps_a_valid_label(name: str, prefix: str) -> None:
    if len(prefix + name) <= 63 and not DIGEST_ENDING.search(prefix + name):
        assert dns_label(name, prefix) == prefix + name
    else:
        assert is_dns_label(dns_label(name, prefix))


@EXAMPLES
@given(identifiers, label_prefixes)
def test_dns_label_is_a_valid_label(name: str, prefix: str) -> None:
    label = dns_label(name, prefix)
    assert is_dns_label(label), label
    assert label.startswith(prefix)
    assert dns_label(name, prefix) == label


@st.composite
def with_lookalikes(draw, derive: Callable[[str], str]) -> list[str]:
    """Distinct identifiers, plus for some of them a name spelt like what `derive` makes of it."""
    names = draw(st.lists(identifiers, unique=True, max_size=8))
    lookalikes = [derive(name) for name in names if draw(st.booleans())]
    return list(dict.fromkeys(names + lookalikes))


@EXAMPLES
@given(st.data(), label_prefixes)
def test_dns_label_never_maps_two_names_to_one_label(data: st.DataObject, prefix: str) -> None:
    names = data.draw(with_lookalikes(lambda name: dns_label(name, prefix).removeprefix(prefix)))
    labels = [dns_label(name, prefix) for name in names]
    assert len(set(labels)) == len(labels), dict(zip(names, labels))


@pytest.mark.parametrize("prefix", ["", "data-"])
@pytest.mark.parametrize("name", ["Data_Set.v2", "数据"])
def test_dns_label_of_a_valid_name_never_equals_a_slugged_one(name: str, prefix: str) -> None:
    """A user may name one entry `name` and another after its derived label (`data-set-v2-<digest>`)."""
    slugged = dns_label(name, prefix)
    lookalike = slugged.removeprefix(prefix)
    assert dns_label(lookalike, prefix) != slugged


def test_names_are_the_same_in_every_interpreter() -> None:
    """Derived names are deterministic: `pulumi preview` must not see them change between program runs."""
    script = (
        "import json, sys\n"
        "from components.core.names import dns_label, env_name, label_value\n"
        "names = json.load(sys.stdin)\n"
        "print(json.dumps([[dns_label(n), dns_label(n, 'data-'), env_name(n, 'P_'), label_value(n)] for n in names]))\n"
    )
    here = [[dns_label(n), dns_label(n, "data-"), env_name(n, "P_"), label_value(n)] for n in ODD_NAMES]
    for seed in ("1", "2"):
        result = subprocess.run(
            [sys.executable, "-c", script],
            input=json.dumps(ODD_NAMES),
            capture_output=True,
            text=True,
            check=True,
            cwd=PROJECT_DIR,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        assert json.loads(result.stdout) == here


# --- env_name ------------------------------------------------------------------------


def test_env_name_examples() -> None:
    assert env_name("data-gcs", "POLYAXON_STORE_DATA_") == "POLYAXON_STORE_DATA_DATA_GCS"
    assert re.fullmatch(r"POLYAXON_STORE_DATA_DATA_SET_V2_[0-9A-F]{8}", env_name("Data_Set.v2", "POLYAXON_STORE_DATA_"))
    assert re.fullmatch(r"P_X_[0-9A-F]{8}", env_name("数据", "P_"))


@EXAMPLES
@given(identifiers, env_prefixes)
def test_env_name_is_a_valid_environment_name(name: str, prefix: str) -> None:
    variable = env_name(name, prefix)
    assert ENV_NAME.fullmatch(variable) and UPPER_ENV_NAME.fullmatch(variable), variable
    assert variable.startswith(prefix)


@EXAMPLES
@given(st.data(), env_prefixes)
def test_env_name_never_maps_two_names_to_one_variable(data: st.DataObject, prefix: str) -> None:
    names = data.draw(with_lookalikes(lambda name: env_name(name, prefix).removeprefix(prefix).lower().replace("_", "-")))
    variables = [env_name(name, prefix) for name in names]
    assert len(set(variables)) == len(variables), dict(zip(names, variables))


@pytest.mark.parametrize("name", ["Data_Set.v2", "数据"])
def test_env_name_of_a_clean_name_never_equals_a_slugged_one(name: str) -> None:
    """A clean name spelt like another's variable (`data-set-v2-<digest>`) must not take that variable."""
    prefix = "POLYAXON_STORE_DATA_"
    slugged = env_name(name, prefix)
    lookalike = slugged.removeprefix(prefix).lower().replace("_", "-")
    assert env_name(lookalike, prefix) != slugged


# --- label_value ----------------------------------------------------------------------


def test_label_value_examples() -> None:
    assert label_value("train") == "train"
    assert label_value("Train_v2.1") == "Train_v2.1"
    assert re.fullmatch(r"x-[0-9a-f]{8}", label_value("数据"))
    assert len(label_value("x" * 70)) == 63


@EXAMPLES
@given(valid_label_values)
def test_label_value_keeps_a_valid_value(text: str) -> None:
    if not DIGEST_ENDING.search(text):
        assert label_value(text) == text
    else:
        assert LABEL_VALUE.fullmatch(label_value(text))


@EXAMPLES
@given(identifiers)
def test_label_value_is_a_valid_label_value(text: str) -> None:
    value = label_value(text)
    assert LABEL_VALUE.fullmatch(value) and len(value) <= 63, value
