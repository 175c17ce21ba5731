"""Print the apps' import graph as a Mermaid flowchart, from the code (docs/architecture.md).

The diagram in docs/architecture.md between the ``module-graph`` markers is this command's output;
``tests/test_platform_contract.py`` fails when the code's graph and the document disagree. Tests
and migrations are left out: they are not part of the running system's structure.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

PLATFORM = ["core", "accounts", "people", "work", "documents", "correspondence", "guidance", "api"]


def app_graph() -> dict[str, set[str]]:
    """app -> the Waymark apps its code imports (tests and migrations excluded)."""
    import grimp

    graph = grimp.build_graph("waymark", include_external_packages=False)
    edges: dict[str, set[str]] = {}
    for module in graph.modules:
        parts = module.split(".")
        if len(parts) < 2 or "tests" in parts or "migrations" in parts or "testing" in parts:
            continue
        source = parts[1]
        edges.setdefault(source, set())
        for imported in graph.find_modules_directly_imported_by(module):
            target_parts = imported.split(".")
            if len(target_parts) < 2 or "tests" in target_parts or "testing" in target_parts:
                continue
            target = target_parts[1]
            if target != source:
                edges[source].add(target)
    return edges


def mermaid() -> str:
    edges = app_graph()
    modules = sorted(app for app in edges if app not in PLATFORM and app != "demo")
    lines = ["flowchart TB"]
    lines.append("    subgraph modules[Module apps]")
    lines += [f"        {app}" for app in modules]
    lines.append("    end")
    lines.append("    subgraph platform[Platform apps]")
    lines += [f"        {app}" for app in PLATFORM if app in edges]
    lines.append("    end")
    if "demo" in edges:
        lines.append("    demo[demo: the demo generator]")
    for source in sorted(edges):
        for target in sorted(edges[source]):
            lines.append(f"    {source} --> {target}")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Print the apps' import graph (Mermaid) for docs/architecture.md"

    def handle(self, *args, **options) -> None:
        self.stdout.write(mermaid())
