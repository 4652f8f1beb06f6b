"""Kubernetes components: a team's namespace, NFS-backed claims, a run's Job spec.

Each takes user-level args (`pulumi.Input` where a value can come from
another resource), names its children from its own name, and declares its
outputs on the class; `components/__init__.py` exports them. These modules
leave out `from __future__ import annotations`: Pulumi's schema analyzer reads
the annotations as types, not strings.
"""
