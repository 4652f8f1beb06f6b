"""Bucket URLs and names by each cloud's published rules (buckets.py cites them): every bucket entry's URL
names a bucket that can exist, a bucket the stack creates has a name its cloud gives, and a secretKey is a
key the API server takes. Each rule is probed with generated names and with mutations of them."""

from __future__ import annotations

import re
import string
from typing import Any, Optional

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from components.core.buckets import InvalidBucketUrl, creation_problem, parse_bucket_url
from components.core.limits import secret_key_problem
from conftest import env_of, plan, problems

LOWER_ALNUM = string.ascii_lowercase + string.digits
PROPERTIES = settings(max_examples=200, deadline=None)


def url_problem(store: str, url: str) -> Optional[str]:
    try:
        parse_bucket_url(store, url)
    except InvalidBucketUrl as error:
        return str(error)
    return None


def created_problem(store: str, url: str) -> Optional[str]:
    return creation_problem(parse_bucket_url(store, url))


# --- names each cloud gives a new bucket, written from the published rules -----------------------


def _inner(alphabet: str, min_size: int, max_size: int) -> st.SearchStrategy[str]:
    """A letter or digit, then the alphabet, ending with a letter or digit: `min_size` to `max_size` long."""
    return st.tuples(
        st.sampled_from(LOWER_ALNUM),
        st.text(alphabet=alphabet, min_size=max(min_size - 2, 0), max_size=max_size - 2),
        st.sampled_from(LOWER_ALNUM),
    ).map("".join)


def _not_google(name: str) -> bool:
    return not name.startswith("goog") and not re.search(r"g[o0]{2,}g[l1i][e3]", name)


def _not_ip(name: str) -> bool:
    return re.fullmatch(r"[0-9]{1,3}(\.[0-9]{1,3}){3}", name) is None


# GCS: 3-63 of [a-z0-9_-] or dotted DNS-style parts (each at most 63, at most 222 in all).
gcs_plain = _inner(LOWER_ALNUM + "-_", 3, 63)
gcs_dotted = st.lists(_inner(LOWER_ALNUM + "-_", 1, 63) | st.sampled_from(LOWER_ALNUM), min_size=2, max_size=5).map(".".join)
gcs_names = (gcs_plain | gcs_dotted.filter(lambda name: len(name) <= 222)).filter(_not_google).filter(_not_ip)
# S3: 3-63 of [a-z0-9.-], no '..', not reserved.
S3_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
S3_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
s3_names = (
    _inner(LOWER_ALNUM + "-.", 3, 63)
    .filter(lambda name: ".." not in name and _not_ip(name))
    .filter(lambda name: not name.startswith(S3_PREFIXES) and not name.endswith(S3_SUFFIXES))
)
# Azure: a container of 3-63 with single '-' between letters and digits; an account of 3-24 letters and digits.
azure_containers = st.lists(st.text(alphabet=LOWER_ALNUM, min_size=1, max_size=8), min_size=1, max_size=8).map("-".join).filter(
    lambda name: 3 <= len(name) <= 63
)
azure_accounts = st.text(alphabet=LOWER_ALNUM, min_size=3, max_size=24)
azure_hosts = st.sampled_from(
    ["blob.core.windows.net", "blob.core.chinacloudapi.cn", "blob.core.usgovcloudapi.net", "blob.core.cloudapi.de"]
)
# An object-key prefix: segments of anything but '/', control characters, '?' and '#', not '.' or '..'.
segments = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="/?#"), min_size=1, max_size=12
).filter(lambda segment: segment not in (".", ".."))
prefixes = st.tuples(st.lists(segments, max_size=4), st.booleans()).map(
    lambda parts: "/".join(parts[0]) + ("/" if parts[1] and parts[0] else "")
)


@st.composite
def creatable(draw) -> tuple[str, str, str, Optional[str]]:
    """(store, url, bucket, account) of a bucket the stack may create, with a prefix."""
    store = draw(st.sampled_from(["gcs", "s3", "azure"]))
    prefix = draw(prefixes)
    tail = "/" + prefix if prefix or draw(st.booleans()) else ""
    if store == "gcs":
        name = draw(gcs_names)
        return store, f"gs://{name}{tail}", name, None
    if store == "s3":
        name = draw(s3_names)
        return store, f"s3://{name}{tail}", name, None
    container, account, host = draw(azure_containers), draw(azure_accounts), draw(azure_hosts)
    scheme = draw(st.sampled_from(["wasbs", "wasb"]))
    return store, f"{scheme}://{container}@{account}.{host}{tail}", container, account


@PROPERTIES
@given(creatable())
def test_every_name_a_cloud_gives_a_new_bucket_is_read_and_may_be_created(bucket):
    store, url, name, account = bucket
    parsed = parse_bucket_url(store, url)
    assert (parsed.bucket, parsed.account) == (name, account)
    assert url.endswith(parsed.prefix)
    assert creation_problem(parsed) is None, url


# --- every mutation into a refused form is refused, with the rule it breaks --------------------------


def _insert(draw, name: str, piece: str) -> str:
    at = draw(st.integers(0, len(name)))
    return name[:at] + piece + name[at:]


@st.composite
def refused_urls(draw) -> tuple[str, str, str]:
    """(store, url, words of the reason): a URL no bucket can have."""
    store = draw(st.sampled_from(["gcs", "s3", "azure"]))
    if store == "gcs":
        name, plain = draw(gcs_names), draw(gcs_plain)
        url, words = draw(
            st.sampled_from(
                [
                    (f"gs://{_insert(draw, name, draw(st.sampled_from(['A', ' ', '@', ':', '*', 'é'])))}", "characters"),
                    (f"gs://{plain[:2]}", "has 2 characters"),
                    (f"gs://{plain}{'x' * 64}", "3 to 63"),
                    (f"gs://{name}..{name}", "adjacent periods"),
                    (f"gs://{name}.{'a' * 64}", "more than 63 characters between dots"),
                    (f"gs://{'.'.join(['a' * 60] * 4)}", "at most 222"),
                    (f"gs://-{name}", "start and end with a letter or digit"),
                    (f"gs://{name}_", "start and end with a letter or digit"),
                    ("gs://", "names no bucket"),
                    (f"gs:///{name}", "names no bucket"),
                ]
            )
        )
    elif store == "s3":
        name = draw(s3_names)
        url, words = draw(
            st.sampled_from(
                [
                    (f"s3://{_insert(draw, name, draw(st.sampled_from([' ', '@', ':', '+', '~'])))}", "characters"),
                    (f"s3://{name[:2]}", "has 2 characters"),
                    (f"s3://{name}{'x' * 256}", "3 to 63 (255 for buckets made before March 2018)"),
                    (f"s3://.{name}", "start and end with a letter or digit"),
                    ("s3://", "names no bucket"),
                ]
            )
        )
    else:
        container, account = draw(azure_containers), draw(azure_accounts)
        url, words = draw(
            st.sampled_from(
                [
                    (f"wasbs://{_insert(draw, container, '--')}@{account}.blob.core.windows.net", "container name"),
                    (f"wasbs://-{container}@{account}.blob.core.windows.net", "container name"),
                    (f"wasbs://{container.upper()}X@{account}.blob.core.windows.net", "container name"),
                    (f"wasbs://{container[:2]}@{account}.blob.core.windows.net", "container name"),
                    (f"wasbs://{container}{'a' * 64}@{account}.blob.core.windows.net", "container name"),
                    (f"wasbs://{container}@{_insert(draw, account, '-')}.blob.core.windows.net", "storage account name"),
                    (f"wasbs://{container}@{account}X.blob.core.windows.net", "storage account name"),
                    (f"wasbs://{container}@{account[:2]}.blob.core.windows.net", "storage account name"),
                    (f"wasbs://{container}@{account}{'a' * 24}.blob.core.windows.net", "storage account name"),
                    (f"wasbs://{container}@{account}", "blob endpoint"),
                    (f"wasbs://{container}@{account}.blob", "blob endpoint"),
                    (f"wasbs://{container}@{account}.blob.core.windows.net.example.com", "blob endpoint"),
                    (f"wasbs://{container}@{account}.file.core.windows.net", "blob endpoint"),
                    (f"wasbs://{container}", "names no container and account"),
                    (f"wasbs://@{account}.blob.core.windows.net", "names no container"),
                    ("wasbs://", "names no container and account"),
                ]
            )
        )
    return store, url, words


@st.composite
def refused_prefixes(draw) -> tuple[str, str, str]:
    """(store, url, words): a valid bucket with a prefix no object name may have."""
    store, url, _, _ = draw(creatable())
    base = url.split("/", 3)
    root = "/".join(base[:3])
    good = draw(st.lists(segments, min_size=1, max_size=3))
    at = draw(st.integers(0, len(good)))
    bad, words = draw(
        st.sampled_from(
            [
                ("", "empty segment"),
                (".", "'.' or '..' segment"),
                ("..", "'.' or '..' segment"),
                ("a\x00b", "control character"),
                ("a\nb", "control character"),
                ("a\x7fb", "control character"),
                ("a?b", "'?' or '#'"),
                ("a#b", "'?' or '#'"),
            ]
        )
    )
    parts = good[:at] + [bad] + good[at:]
    if bad == "":
        parts = good[:at] + ["", "x"] + good[at:]  # '//' inside, not the trailing slash
    return store, root + "/" + "/".join(parts), words


@PROPERTIES
@given(st.one_of(refused_urls(), refused_prefixes()))
def test_every_url_no_bucket_can_have_is_refused_with_the_rule(case):
    store, url, words = case
    found = url_problem(store, url)
    assert found is not None and words in found, (url, found)


@st.composite
def refused_creations(draw) -> tuple[str, str, str]:
    """(store, url, words): a URL of a bucket that may exist, with a name its cloud gives no new bucket."""
    store = draw(st.sampled_from(["gcs", "s3", "azure"]))
    if store == "gcs":
        name = draw(gcs_plain.filter(_not_google))
        return draw(
            st.sampled_from(
                [
                    ("gcs", f"gs://goog{name}", "begins with 'goog'"),
                    ("gcs", f"gs://{name}-{draw(st.sampled_from(['google', 'g00gle', 'go0g1e', 'gooogle']))}", "'google'"),
                    ("gcs", "gs://" + ".".join(str(draw(st.integers(0, 999))) for _ in range(4)), "IP address"),
                    ("gcs", f"gs://{name}-.{name}", "next to a '-' or '_'"),
                    ("gcs", f"gs://{name}._{name}", "next to a '-' or '_'"),
                ]
            )
        )
    if store == "s3":
        name = draw(s3_names)
        return draw(
            st.sampled_from(
                [
                    ("s3", f"s3://{draw(st.sampled_from(S3_PREFIXES))}{name}", "which S3 keeps for itself"),
                    ("s3", f"s3://{name}{draw(st.sampled_from(S3_SUFFIXES))}", "which S3 keeps for"),
                    ("s3", f"s3://{name}..{name}", "two adjacent periods"),
                    ("s3", "s3://" + ".".join(str(draw(st.integers(0, 999))) for _ in range(4)), "IP address"),
                    ("s3", f"s3://{name.upper()}", "not a name S3 gives a new bucket"),
                    ("s3", f"s3://{_insert(draw, name, '_')}", "not a name S3 gives a new bucket"),
                    ("s3", f"s3://{name}{'x' * 64}"[: 5 + 64 + len(name)], "not a name S3 gives a new bucket"),
                ]
            )
        )
    container, account = draw(azure_containers), draw(azure_accounts)
    return draw(
        st.sampled_from(
            [
                ("azure", f"wasbs://{draw(st.sampled_from(['$root', '$web', '$logs']))}@{account}.blob.core.windows.net", "Azure's own containers"),
                ("azure", f"wasbs://{container}@{account}.z{draw(st.integers(0, 99)):02d}.blob.storage.azure.net", "DNS zone endpoint"),
            ]
        )
    )


@PROPERTIES
@given(refused_creations())
def test_every_name_a_cloud_refuses_for_a_new_bucket_may_exist_but_not_be_created(case):
    store, url, words = case
    assume(url_problem(store, url) is None)  # an existing bucket of that name can be read and granted
    found = created_problem(store, url)
    assert found is not None and words in found, (url, found)


# --- examples of each case -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "store, url, words",
    [
        ("gcs", "gs:///x", "names no bucket"),
        ("s3", "s3://my bucket", "the bucket name 'my bucket' has characters"),
        ("azure", "wasbs://", "names no container and account"),
        ("azure", "wasbs://data", "names no container and account"),
        ("azure", "wasbs://@acct.blob.core.windows.net/", "names no container before '@'"),
        ("azure", "wasbs://data@.blob.core.windows.net/", "storage account name ''"),
        ("s3", "s3://bucket/..//key", "empty segment"),
        ("s3", "s3://bucket/../key", "'.' or '..' segment"),
        ("gcs", "gs://bucket/a/./b", "'.' or '..' segment"),
        ("gcs", "gs://bucket/.well-known/acme-challenge/x", "acme-challenge"),
        ("gcs", "gs://bucket/" + "é" * 513, "longer than 1,024 bytes"),  # 513 characters, 1,026 bytes of UTF-8
        ("gcs", "gs://bucket/runs\r\n", "control character"),
        ("s3", "s3://bucket/x?versionId=1", "'?' or '#'"),
        ("gcs", "gs://bucket:443/x", "has characters"),
        ("gcs", "gs://user@bucket/x", "has characters"),
        ("s3", "s3://" + "a" * 256, "has 256 characters"),
        ("azure", "wasbs://data@acct.blob.core.windows.net.evil.example/", "blob endpoint"),
        ("azure", "https://acct.blob.core.windows.net/data", "does not start with wasbs:// or wasb://"),
    ],
)
def test_a_url_no_bucket_can_have_is_refused(store, url, words):
    found = url_problem(store, url)
    assert found is not None and words in found, found


@pytest.mark.parametrize(
    "store, url, bucket, account, prefix",
    [
        ("gcs", "gs://acme-data", "acme-data", None, ""),
        ("gcs", "gs://acme_data.example.com/runs/", "acme_data.example.com", None, "runs/"),
        ("gcs", "gs://" + ".".join(["a" * 63] * 3) + "/x", ".".join(["a" * 63] * 3), None, "x"),  # 191 characters
        ("s3", "s3://Legacy_Bucket.2017", "Legacy_Bucket.2017", None, ""),  # us-east-1 before March 2018
        ("s3", "s3://reports-ab12cd34-s3alias/out", "reports-ab12cd34-s3alias", None, "out"),  # an access point alias
        ("s3", "s3://bucket/runs with spaces/é", "bucket", None, "runs with spaces/é"),
        ("azure", "wasbs://data@acmeml.blob.core.windows.net/", "data", "acmeml", ""),
        ("azure", "wasb://data@acmeml.blob.core.chinacloudapi.cn/x/", "data", "acmeml", "x/"),
        ("azure", "wasbs://$root@acmeml.blob.core.usgovcloudapi.net", "$root", "acmeml", ""),
        ("azure", "wasbs://data@acmeml.z42.blob.storage.azure.net/x", "data", "acmeml", "x"),
    ],
)
def test_a_url_of_a_bucket_that_can_exist_is_read_into_its_parts(store, url, bucket, account, prefix):
    parsed = parse_bucket_url(store, url)
    assert (parsed.bucket, parsed.account, parsed.prefix) == (bucket, account, prefix)


# --- keys of a Kubernetes Secret ---------------------------------------------------------------------

secret_keys = st.text(alphabet=string.ascii_letters + string.digits + "-._", min_size=1, max_size=253).filter(
    lambda key: key not in (".", "..") and not key.startswith("..")
)


@PROPERTIES
@given(secret_keys)
def test_every_key_the_api_server_takes_is_accepted(key):
    assert secret_key_problem(key) is None


@PROPERTIES
@given(secret_keys, st.sampled_from([" ", "/", "\\", ":", "é", "\n", "\x00", "$"]), st.data())
def test_every_key_with_another_character_is_refused(key, character, data):
    at = data.draw(st.integers(0, len(key)))
    mutated = (key[:at] + character + key[at:])[:253]
    assume(character in mutated)
    assert "letters, digits, '-', '_' and '.' only" in secret_key_problem(mutated)


@pytest.mark.parametrize(
    "key, words",
    [
        ("a" * 254, "is 254 characters long: a key of a Secret has at most 253"),
        (".", "may not be '.' or '..' or start with '..'"),
        ("..", "may not be '.' or '..'"),
        ("..data", "start with '..'"),
        ("credentials/key.json", "a file name such as key.json, not a path"),
        ("key json", "letters, digits"),
    ],
)
def test_a_key_the_api_server_refuses_is_a_problem(key, words):
    assert words in secret_key_problem(key)


def test_keys_at_the_bounds_are_accepted():
    assert secret_key_problem("a" * 253) is None
    assert secret_key_problem(".dockercfg") is None and secret_key_problem("a..b") is None


# --- through the stack config: a problem at the entry's key ------------------------------------------

PROVIDERS = {"gcp:project": "acme-ml", "aws:region": "eu-west-1", "azure-native:location": "westeurope", "azure-native:subscriptionId": "s"}


def stack(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "persistence": {"data": data, "outputs": {"o": {"mountPath": "/o", "existingClaim": "o"}}},
        "runs": {"train": {"image": "trainer:1"}},
    }


def bucket(store: str, url: str, **keys: Any) -> dict[str, Any]:
    return {"store": store, "bucket": url, **keys}


@pytest.mark.parametrize(
    "entry, key, words",
    [
        pytest.param(bucket("gcs", "gs:///x"), "bucket", "'gs:///x' is not a gcs bucket URL: it names no bucket; write it as gs://<bucket>/<optional/prefix>", id="no-bucket"),
        pytest.param(bucket("s3", "s3://my bucket"), "bucket", "'s3://my bucket' is not an s3 bucket URL: the bucket name 'my bucket' has characters", id="space"),
        pytest.param(bucket("azure", "wasbs://"), "bucket", "'wasbs://' is not an azure bucket URL: it names no container and account", id="azure-nothing"),
        pytest.param(bucket("azure", "wasbs://data/"), "bucket", "names no container and account", id="azure-no-account"),
        pytest.param(bucket("s3", "s3://bucket/..//key"), "bucket", "the path after the bucket has an empty segment", id="junk-key"),
        pytest.param(bucket("gcs", "gs://acme-data", create=True, location="EU") | {"bucket": "gs://goog-data"}, "bucket", "'gs://goog-data' cannot be created: 'goog-data' begins with 'goog', which GCS keeps for Google; choose another name", id="create-goog"),
        pytest.param(bucket("gcs", "gs://acme-g00gle", create=True, location="EU"), "bucket", "close misspelling", id="create-google"),
        pytest.param(bucket("gcs", "gs://10.1.2.3", create=True, location="EU"), "bucket", "IP address", id="create-ip"),
        pytest.param(bucket("s3", "s3://xn--data", create=True), "bucket", "starts with 'xn--', which S3 keeps for itself", id="create-xn"),
        pytest.param(bucket("s3", "s3://data--x-s3", create=True), "bucket", "directory buckets", id="create-directory-suffix"),
        pytest.param(bucket("s3", "s3://Old_Bucket", create=True), "bucket", "not a name S3 gives a new bucket", id="create-legacy"),
        pytest.param(bucket("azure", "wasbs://$logs@acmeml.blob.core.windows.net/", create=True, resourceGroup="rg", sasExpiry="2030-01-01"), "bucket", "Azure's own containers", id="create-logs"),
        pytest.param(bucket("gcs", "gs://acme-data", secret="gcs", secretKey="keys/key.json"), "secretKey", "'keys/key.json' is not a key of a Secret", id="secret-key-path"),
        pytest.param(bucket("gcs", "gs://acme-data", secret="gcs", secretKey="key json"), "secretKey", "'key json' is not a key of a Secret", id="secret-key-space"),
        pytest.param(bucket("gcs", "gs://acme-data", secret="gcs", secretKey=".."), "secretKey", "may not be '.' or '..'", id="secret-key-dots"),
    ],
)  # fmt: skip
def test_a_bucket_entry_a_cloud_or_kubernetes_would_refuse_is_a_problem_at_its_key(entry, key, words):
    found = problems(stack({"b": entry}), providers=PROVIDERS)
    at = [p for p in found if p.startswith(f"persistence.data.b.{key}: ")]
    assert len(at) == 1 and words in at[0], found


def test_every_bad_bucket_entry_is_reported_at_once():
    data = {
        "a": bucket("gcs", "gs:///x"),
        "b": bucket("s3", "s3://xn--data", create=True),
        "c": bucket("azure", "wasbs://data"),
        "d": bucket("gcs", "gs://acme-data", secret="gcs", secretKey="a b"),
    }
    found = problems(stack(data), providers=PROVIDERS)
    assert sorted(p.split(":")[0] for p in found) == [
        "persistence.data.a.bucket",
        "persistence.data.b.bucket",
        "persistence.data.c.bucket",
        "persistence.data.d.secretKey",
    ], found


def test_existing_buckets_a_cloud_would_not_create_today_are_read_and_granted():
    data = {
        "legacy": bucket("s3", "s3://Legacy_Bucket/runs", credentials="managed"),
        "alias": bucket("s3", "s3://reports-ab12cd34-s3alias"),
        "google": bucket("gcs", "gs://google-public-data", secret="gcs", secretKey="key.json"),
    }
    planned = plan(stack(data), providers=PROVIDERS)
    (train,) = planned.runs
    assert '"legacy":"s3://Legacy_Bucket/runs"' in env_of(train)["POLYAXON_RUN_DATA_PATHS"]
    granted = [b.address.key for c in planned.clouds for b in c.buckets]
    assert granted == ["Legacy_Bucket"]


def test_an_old_s3_bucket_too_long_for_a_secret_key_is_given_a_key_the_api_server_takes():
    names = ["Legacy_" + "b" * 248, "Legacy_" + "b" * 247 + "c"]
    data = {f"b{index}": bucket("s3", f"s3://{name}", credentials="managed") for index, name in enumerate(names)}
    planned = plan(stack(data), providers=PROVIDERS)
    (train,) = planned.runs
    keys = [mount.secret_key for mount in train.args.data]
    assert all(secret_key_problem(key) is None and key.endswith(".json") for key in keys), keys
    assert len(set(keys)) == 2 and all(len(key) == 253 for key in keys)
