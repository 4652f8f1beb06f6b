"""Polyaxon v2 agents whose artifacts store and connections are a polyaxon-storage stack's catalog.

The platform's stack, with `exports: [polyaxon-v2]`, outputs `polyaxonValues`
(format -> team -> the Helm values of the team's namespace) and writes each
team's bucket credentials into its namespace in v2's layout, the Secrets those
values name. This program installs Polyaxon's agent chart once per team, in the
team's namespace, with exactly those values: the runs the agent schedules mount
the team's volumes and reach its buckets with its own credentials. The values
are a secret here whenever they are one in the platform's stack.

A program of one's own that plans the catalog itself gets the same values from
`components.polyaxon_values(config, "polyaxon-v2", team)`.
"""

import pulumi
import pulumi_kubernetes as kubernetes

config = pulumi.Config()
platform = pulumi.StackReference(config.require("platformStack"))
exported = platform.require_output("polyaxonValues")["polyaxon-v2"]
for team in config.require_object("teams"):
    values = exported[team]
    kubernetes.helm.v3.Release(
        f"agent-{team}",
        chart="agent",
        version=config.require("agentChartVersion"),
        repository_opts=kubernetes.helm.v3.RepositoryOptsArgs(repo="https://charts.polyaxon.com"),
        namespace=values["namespace"],
        values=values,
    )
