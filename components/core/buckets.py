"""Bucket URLs and names, by each cloud's published rules.

`parse_bucket_url(store, url)` reads `gs://<bucket>/<prefix>`, `s3://<bucket>/<prefix>` or
`wasbs://<container>@<account>.blob.core.windows.net/<prefix>` into its parts, or raises
InvalidBucketUrl saying precisely what is wrong. It takes every bucket that can exist,
old ones included (an existing bucket already passed its cloud). `creation_problem(bucket)`
says why a cloud would refuse to create a bucket of that name: its rules for new names are
stricter.

Sources (checked when this was written):
- GCS: https://cloud.google.com/storage/docs/buckets#naming ("Bucket names"): lowercase letters,
  digits, '-', '_' and '.'; start and end with a letter or digit; 3-63 characters, or up to 222
  with dots and each dot-separated component at most 63; not an IP address in dotted-decimal
  notation; not beginning with "goog"; not containing "google" or close misspellings such as
  "g00gle". The older page (developers.google.com/storage/docs/bucketnaming) adds, for DNS
  compliance, no period next to another period or a dash. Object names: 1-1024 bytes of UTF-8,
  no carriage return or line feed, not "." or "..", not under ".well-known/acme-challenge/"
  (https://cloud.google.com/storage/docs/objects#naming).
- S3: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html (general
  purpose buckets): 3-63 characters of lowercase letters, digits, '.' and '-'; start and end with a
  letter or digit; no two adjacent periods; not formatted as an IP address; not starting with
  "xn--", "sthree-" (and so "sthree-configurator") or "amzn-s3-demo-"; not ending with "-s3alias"
  (access point aliases), "--ol-s3" (Object Lambda access point aliases), ".mrap" (Multi-Region
  Access Points), "--x-s3" (directory buckets) or "--table-s3" (table buckets). Before 1 March 2018,
  buckets in us-east-1 could have up to 255 characters with uppercase letters and underscores: such
  buckets still exist, so a URL may name one (and an access point alias may stand for a bucket), but
  the stack creates none. Object keys: at most 1024 bytes of UTF-8
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html).
- Azure: https://learn.microsoft.com/rest/api/storageservices/naming-and-referencing-containers--blobs--and-metadata:
  a container name is 3-63 lowercase letters, digits and '-', starting with a letter or digit, every
  '-' between letters or digits; `$root`, `$web` and `$logs` are the service's own containers; a
  blob name is at most 1,024 characters; control characters are not allowed. A storage account
  name is 3-24 lowercase letters and digits
  (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftstorage).
  Blob endpoints: `<account>.blob.core.windows.net`, and in the national clouds
  `.blob.core.chinacloudapi.cn` (Azure China), `.blob.core.usgovcloudapi.net` (Azure Government),
  `.blob.core.cloudapi.de` (Azure Germany, retired); an account with an Azure DNS zone endpoint
  answers at `<account>.z<00-99>.blob.storage.azure.net`
  (https://learn.microsoft.com/azure/storage/common/storage-account-overview#storage-account-endpoints).
  Polyaxon's own client (polystores) parses only `.blob.core.windows.net`.
- Polyaxon's clients read a bucket URL with urllib's urlparse: a '?' or '#' starts a query or a
  fragment, and what follows is dropped from the path.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Optional

from .stores import BUCKET_SCHEMES

SCHEMES: dict[str, tuple[str, ...]] = {
    store: tuple(scheme.removesuffix("://") for scheme in schemes) for store, schemes in BUCKET_SCHEMES.items()
}
"""Each store's URL schemes, without '://' (the registry's, core/stores.py)."""
STORE_NAMES = {"gcs": "a gcs", "s3": "an s3", "azure": "an azure"}
FORMS = {
    "gcs": "gs://<bucket>/<optional/prefix>",
    "s3": "s3://<bucket>/<optional/prefix>",
    "azure": "wasbs://<container>@<account>.blob.core.windows.net/<optional/prefix>",
}
MAX_KEY_BYTES = 1024
"""The longest object name (GCS, S3: bytes of UTF-8; Azure: characters, fewer than the bytes)."""

AZURE_BLOB_HOSTS = (
    "blob.core.windows.net",
    "blob.core.chinacloudapi.cn",
    "blob.core.usgovcloudapi.net",
    "blob.core.cloudapi.de",
)
AZURE_DNS_ZONE_HOST = re.compile(r"z[0-9]{2}\.blob\.storage\.azure\.net")
AZURE_SPECIAL_CONTAINERS = ("$root", "$web", "$logs")

_GCS_CHARACTERS = re.compile(r"[a-z0-9._-]+")
_S3_CHARACTERS = re.compile(r"[A-Za-z0-9._-]+")
_S3_NAME = re.compile(r"[a-z0-9][a-z0-9.-]*[a-z0-9]")
_AZURE_ACCOUNT = re.compile(r"[a-z0-9]{3,24}")
_AZURE_CONTAINER = re.compile(r"[a-z0-9](?:-?[a-z0-9])*")
_DNS_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?")
_IP_LIKE = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}")
# "google" and the misspellings a person reads as it: o written 0, l written 1 or i, e written 3.
_GOOGLE = re.compile(r"g[o0]{2,}g[l1i][e3]")

S3_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
S3_RESERVED_SUFFIXES = {
    "-s3alias": "access point aliases",
    "--ol-s3": "Object Lambda access point aliases",
    ".mrap": "Multi-Region Access Points",
    "--x-s3": "directory buckets",
    "--table-s3": "table buckets",
}


class InvalidBucketUrl(ValueError):
    """Why a URL names no bucket of its store, in the user's words."""


@dataclass(frozen=True)
class ParsedBucket:
    """A bucket URL's parts."""

    store: str
    scheme: str
    bucket: str
    """The bucket (gcs, s3) or the container (azure)."""
    account: Optional[str] = None
    """azure: the storage account."""
    host: Optional[str] = None
    """azure: the account's blob endpoint host."""
    prefix: str = ""
    """The object-key prefix after the bucket, without its leading '/' (a trailing one is kept)."""


def parse_bucket_url(store: str, url: str) -> ParsedBucket:
    """The parts of a bucket URL of `store`; InvalidBucketUrl saying what is wrong."""
    schemes = SCHEMES[store]
    scheme, separator, rest = url.partition("://")
    if not separator or scheme not in schemes:
        raise InvalidBucketUrl(f"it does not start with {' or '.join(s + '://' for s in schemes)}")
    odd = _odd_character(url)
    if odd is not None:
        raise InvalidBucketUrl(odd)
    if "?" in url or "#" in url:
        raise InvalidBucketUrl(
            "it has '?' or '#', which Polyaxon's clients read as the start of a query or fragment and drop"
        )
    authority, _, prefix = rest.partition("/")
    if store == "azure":
        container, account, host = _azure_authority(authority)
        parsed = ParsedBucket(store, scheme, container, account, host, prefix)
    else:
        if not authority:
            raise InvalidBucketUrl("it names no bucket")
        reason = bucket_name_problem(store, authority)
        if reason is not None:
            raise InvalidBucketUrl(f"the bucket name {authority!r} {reason}")
        parsed = ParsedBucket(store, scheme, authority, prefix=prefix)
    reason = _prefix_problem(store, prefix)
    if reason is not None:
        raise InvalidBucketUrl(f"the path after the bucket {reason}")
    return parsed


def bucket_url_problem(store: str, url: str) -> Optional[str]:
    """What is wrong with a bucket URL of `store` (the grammar of every bucket that can exist), in the user's
    words with the form to write; None when nothing is."""
    schemes = SCHEMES[store]
    if not url.startswith(tuple(scheme + "://" for scheme in schemes)):
        return f"{url!r} does not match store {store}: write it as {' or '.join(s + '://<bucket>' for s in schemes)}"
    try:
        parse_bucket_url(store, url)
    except InvalidBucketUrl as error:
        return f"{url!r} is not {STORE_NAMES[store]} bucket URL: {error}; write it as {FORMS[store]}"
    return None


def created_url_problem(store: str, url: str) -> Optional[str]:
    """Why the cloud would refuse to create the bucket of a URL that names one (`bucket_url_problem` is None)."""
    refused = creation_problem(parse_bucket_url(store, url))
    return None if refused is None else f"{url!r} cannot be created: {refused}; choose another name"


def named(store: str, bucket: str, account: Optional[str] = None, host: Optional[str] = None) -> ParsedBucket:
    """A bucket given by its name (and an Azure container by its account and host), as its URL would give it."""
    return ParsedBucket(store, SCHEMES[store][0], bucket, account, host or (account and f"{account}.{AZURE_BLOB_HOSTS[0]}"))


def creation_problem(parsed: ParsedBucket) -> Optional[str]:
    """Why the cloud would refuse to create this bucket (or container, or account), if it would."""
    name = parsed.bucket
    if parsed.store == "gcs":
        if _ip_like(name):
            return f"{name!r} is written as an IP address, which GCS refuses for a new bucket"
        if name.startswith("goog"):
            return f"{name!r} begins with 'goog', which GCS keeps for Google"
        if _GOOGLE.search(name):
            return f"{name!r} contains 'google' or a close misspelling of it, which GCS refuses"
        if "." in name and not all(_DNS_LABEL.fullmatch(part) for part in name.split(".")):
            return (
                f"{name!r} has a '.' next to a '-' or '_': a GCS bucket name with dots is a domain name, each "
                "part starting and ending with a letter or digit"
            )
        return None
    if parsed.store == "s3":
        if not (3 <= len(name) <= 63 and _S3_NAME.fullmatch(name)):
            return (
                f"{name!r} is not a name S3 gives a new bucket: 3 to 63 lowercase letters, digits, '.' and '-', "
                "starting and ending with a letter or digit (uppercase letters, '_' and longer names are only "
                "those of buckets made before March 2018)"
            )
        if ".." in name:
            return f"{name!r} has two adjacent periods, which S3 refuses"
        if _ip_like(name):
            return f"{name!r} is written as an IP address, which S3 refuses"
        prefix = next((p for p in S3_RESERVED_PREFIXES if name.startswith(p)), None)
        if prefix is not None:
            return f"{name!r} starts with {prefix!r}, which S3 keeps for itself"
        suffix = next((s for s in S3_RESERVED_SUFFIXES if name.endswith(s)), None)
        if suffix is not None:
            return f"{name!r} ends with {suffix!r}, which S3 keeps for {S3_RESERVED_SUFFIXES[suffix]}"
        return None
    if name in AZURE_SPECIAL_CONTAINERS:
        return f"{name!r} is one of Azure's own containers; the stack creates containers of their own names"
    if not any(parsed.host == f"{parsed.account}.{host}" for host in AZURE_BLOB_HOSTS):
        return (
            f"{parsed.host!r} is an Azure DNS zone endpoint, which Azure assigns; a storage account the stack "
            "creates answers at <account>.blob.core.windows.net (or a national cloud's)"
        )
    return None


# --- the parts -------------------------------------------------------------------------------------


def _odd_character(url: str) -> Optional[str]:
    for character in url:
        category = unicodedata.category(character)
        if category == "Cc":
            return f"it has the control character {character!r}"
        if category == "Cs":
            return "it has a lone surrogate (\\ud800 to \\udfff), which is not text"
    return None


def bucket_name_problem(store: str, name: str) -> Optional[str]:
    """What is wrong with the name of a GCS or S3 bucket that exists (or may), if anything."""
    return (_gcs_name_problem if store == "gcs" else _s3_name_problem)(name)


def _gcs_name_problem(name: str) -> Optional[str]:
    if not _GCS_CHARACTERS.fullmatch(name):
        return "has characters a GCS bucket name cannot: lowercase letters, digits, '-', '_' and '.' only"
    if "." not in name:
        if not 3 <= len(name) <= 63:
            return f"has {_characters(name)}: a GCS bucket name has 3 to 63"
    elif len(name) > 222:
        return f"has {len(name)} characters: a GCS bucket name with dots has at most 222"
    elif "" in name.split("."):
        return "has two adjacent periods (or starts or ends with one)"
    elif max(len(part) for part in name.split(".")) > 63:
        return "has a part of more than 63 characters between dots"
    if not (name[0].isalnum() and name[-1].isalnum()):
        return "does not start and end with a letter or digit"
    return None


def _s3_name_problem(name: str) -> Optional[str]:
    if not _S3_CHARACTERS.fullmatch(name):
        return "has characters an S3 bucket name cannot: letters, digits, '.' and '-' (and '_' in old ones) only"
    if not 3 <= len(name) <= 255:
        return f"has {_characters(name)}: an S3 bucket name has 3 to 63 (255 for buckets made before March 2018)"
    if not (name[0].isalnum() and name[-1].isalnum()):
        return "does not start and end with a letter or digit"
    return None


def azure_container_problem(container: str) -> Optional[str]:
    """What is wrong with the name of an Azure container that exists (or may), if anything."""
    if container in AZURE_SPECIAL_CONTAINERS or (3 <= len(container) <= 63 and _AZURE_CONTAINER.fullmatch(container)):
        return None
    return (
        f"the container name {container!r} is not one Azure takes: 3 to 63 lowercase letters, digits and single '-' "
        "between them"
    )


def azure_account_problem(account: str) -> Optional[str]:
    """What is wrong with the name of an Azure storage account, if anything."""
    if _AZURE_ACCOUNT.fullmatch(account):
        return None
    return f"the storage account name {account!r} is not one Azure takes: 3 to 24 lowercase letters and digits"


def azure_host_problem(host: str) -> Optional[str]:
    """What is wrong with a storage account's blob endpoint host (`<account>.blob.core.windows.net`), if anything."""
    account, dot, endpoint = host.partition(".")
    if not dot or not (endpoint in AZURE_BLOB_HOSTS or AZURE_DNS_ZONE_HOST.fullmatch(endpoint)):
        return (
            f"{host!r} is not a storage account's blob endpoint (<account>.blob.core.windows.net, or a national "
            "cloud's such as <account>.blob.core.chinacloudapi.cn)"
        )
    return azure_account_problem(account)


def _azure_authority(authority: str) -> tuple[str, str, str]:
    container, at, host = authority.partition("@")
    if not at:
        raise InvalidBucketUrl("it names no container and account (<container>@<account>.blob.core.windows.net)")
    if not container:
        raise InvalidBucketUrl("it names no container before '@'")
    reason = azure_container_problem(container) or azure_host_problem(host)
    if reason is not None:
        raise InvalidBucketUrl(reason)
    return container, host.partition(".")[0], host


def _prefix_problem(store: str, prefix: str) -> Optional[str]:
    if not prefix:
        return None
    segments = prefix.split("/")
    if segments[-1] == "":
        segments.pop()  # one trailing slash: the prefix is a directory
    if "" in segments:
        return "has an empty segment ('//'): write each '/' once"
    if any(segment in (".", "..") for segment in segments):
        return "has a '.' or '..' segment: object names are not resolved like paths; write the prefix out"
    if len(prefix.encode("utf-8")) > MAX_KEY_BYTES:
        return f"is longer than {MAX_KEY_BYTES:,} bytes, the longest object name"
    if store == "gcs" and prefix.startswith(".well-known/acme-challenge/"):
        return "is under .well-known/acme-challenge/, where GCS allows no objects"
    return None


def _characters(name: str) -> str:
    return f"{len(name)} character{'' if len(name) == 1 else 's'}"


def _ip_like(name: str) -> bool:
    """Formatted as an IPv4 address in dotted-decimal notation (192.168.5.4; 999.1.1.1 reads as one too)."""
    return _IP_LIKE.fullmatch(name) is not None
