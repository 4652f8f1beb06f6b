"""Polyaxon 0.6's platform volumes: `persistence.logs`, `repos` and `upload`, in the chart's own shapes.

They are accepted so that a 0.6 chart's `persistence` block pastes whole into a
stack, and the 0.6 export gives them back as written (docs/export.md §2). Polyaxon's
own pods used them, never runs: this stack mounts them nowhere, and says so.

The chart (polyaxon 0.6.1, `templates/partials/_volumes.tpl`) mounts `repos`
and `upload` as volumes: a claim, else the host path (`hostPath`, defaulting to
`mountPath`), with an optional `subPath`; `logs` may instead be a bucket
(`store`, `bucket`, `secret`, `secretKey`), which the platform writes through
polystores.
"""

from __future__ import annotations

import posixpath
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ..declare import Model
from ..enums import Choice, Store
from ..errors import TAG_MARKER, Problem
from .fields import AbsolutePath, MountPath, ObjectName, SecretKey, url_of_store

CHART_VOLUMES = ("logs", "repos", "upload")
"""The keys of `persistence` that only Polyaxon 0.6's platform used, in the chart's order."""


def _sub_path(value: str) -> str:
    parts = value.split("/")
    if not value or value.startswith("/") or ".." in parts:
        raise ValueError(f"{value!r} is not a directory inside the volume: write it relative, without '..'")
    return posixpath.normpath(value)


SubPath = Annotated[str, AfterValidator(_sub_path)]


class ChartVolume(Model):
    """`{mountPath, existingClaim | hostPath, subPath}`: a claim, else a host path (the mountPath when no hostPath)."""

    kind: Literal["volume"] = Field("volume", exclude=True)
    mount_path: MountPath = Field(description="Where Polyaxon's own pods see the volume.")
    existing_claim: Optional[ObjectName] = Field(None, description="Claim in Polyaxon's namespace.")
    host_path: Optional[AbsolutePath] = Field(
        None, description="Directory on the node (default, as in the chart: the mountPath)."
    )
    sub_path: Optional[SubPath] = Field(None, description="Directory inside the volume to mount.")

    @model_validator(mode="after")
    def _claim_or_host_path(self) -> "ChartVolume":
        if self.existing_claim is not None and self.host_path is not None:
            raise ValueError("give existingClaim or hostPath, not both: the chart mounts the claim and ignores hostPath")
        return self

    @property
    def read_only(self) -> bool:
        """The platform writes its logs, repos and uploads: each is held to the rules of a writable entry."""
        return False

    @property
    def node_path_is_mount_path(self) -> bool:
        """Neither claim nor hostPath: the chart mounts the node's directory at the mountPath itself."""
        return self.existing_claim is None and self.host_path is None


class ChartStore(Model):
    """`{store, bucket, secret, secretKey}`: logs kept in a bucket, by the platform, with its own Secret."""

    kind: Literal["store"] = Field("store", exclude=True)
    store: Choice[Store]
    bucket: str = Field(description="Bucket URL: gs://, s3:// or wasbs://.")
    secret: Optional[ObjectName] = Field(None, description="Secret holding the credentials.")
    secret_key: Optional[SecretKey] = Field(None, description="Key in that secret.")

    @field_validator("bucket")
    @classmethod
    def _bucket_url(cls, url: str, info: ValidationInfo) -> str:
        return url_of_store(url, info)


_STORE_KEYS = ("store", "bucket", "secret", "secretKey")
_VOLUME_KEYS = ("mountPath", "existingClaim", "hostPath", "subPath")


def _logs_shape(value: Any) -> Optional[str]:
    if isinstance(value, BaseModel):
        return TAG_MARKER + value.kind  # type: ignore[attr-defined]
    if not isinstance(value, dict):
        return None
    return TAG_MARKER + ("store" if any(key in value for key in ("store", "bucket")) else "volume")


def _one_shape(value: Any) -> Any:
    if isinstance(value, dict):
        stores = [key for key in _STORE_KEYS if key in value]
        volumes = [key for key in _VOLUME_KEYS if key in value]
        if stores and volumes:
            raise PydanticCustomError(
                "chart_shape",
                f"is a volume ({', '.join(volumes)}) or a store ({', '.join(stores)}), not both: keep one",
            )
    elif not isinstance(value, BaseModel):
        raise PydanticCustomError("chart_shape", "must be a mapping (key: value)")
    return value


def _volume_only(value: Any) -> Any:
    if isinstance(value, dict) and any(key in value for key in ("store", "bucket")):
        raise PydanticCustomError(
            "chart_shape",
            "is a volume in Polyaxon 0.6's chart (only logs may be a store): give mountPath and existingClaim or hostPath",
        )
    return value


ChartLogs = Annotated[
    Annotated[
        Union[Annotated[ChartVolume, Tag(TAG_MARKER + "volume")], Annotated[ChartStore, Tag(TAG_MARKER + "store")]],
        Discriminator(_logs_shape),
    ],
    BeforeValidator(_one_shape),
]
ChartVolumeOnly = Annotated[ChartVolume, BeforeValidator(_volume_only)]


def chart_volume_values(volume: Union[ChartVolume, ChartStore]) -> dict[str, Any]:
    """A platform volume in the chart's words, as it was written (what the 0.6 export gives back)."""
    return volume.model_dump(by_alias=True, exclude_none=True)


def chart_volume_warnings(persistence: Any) -> list[Problem]:
    """`logs`, `repos` and `upload` are Polyaxon 0.6's platform volumes: runs of this stack mount none of them.

    `persistence`: the catalog (typed loosely: the catalog module imports this one).
    """
    return [
        Problem(
            f"persistence.{key}",
            "is Polyaxon 0.6's own platform volume: kept for `polyaxon-storage export --format polyaxon-0.6`, "
            "mounted in no run of this stack",
        )
        for key, _ in persistence.chart_volumes()
    ]
