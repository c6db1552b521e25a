"""Where a planned resource is written: the ``.tf`` file and line of its ``resource`` block.

Needs the optional extra ``hcl`` (python-hcl2); the line numbers come from its parse tree
(lark tokens carry line and column). A resource is matched by its full module path, never by
``type.name`` alone: the module's directory comes from ``.terraform/modules/modules.json``
(what ``terraform init`` writes) or, for local sources, from the plan's module calls.
"""

from __future__ import annotations

import json
import os
from typing import Any

from ..errors import InputError, UsageError
from ..findings import Location
from .plan import Plan


def _hcl() -> Any:
    try:
        import hcl2
    except ImportError:
        raise UsageError(
            "--tf-dir needs python-hcl2, which is not installed",
            "install the optional extra: pip install 'fedcheck[hcl]'",
        ) from None
    return hcl2


def _text(node: Any) -> str:
    """The characters of a parse-tree node (a quoted label without its quotes)."""
    if hasattr(node, "children"):
        return "".join(_text(c) for c in node.children if getattr(c, "type", "") != "DBLQUOTE")
    return str(node)


def _first_token(node: Any) -> Any:
    while hasattr(node, "children"):
        if not node.children:
            return None
        node = node.children[0]
    return node


def resource_blocks(directory: str) -> dict[tuple[str, str], Location]:
    """``(type, name) -> Location`` of every managed resource block of one module directory."""
    hcl2 = _hcl()
    import lark

    out: dict[tuple[str, str], Location] = {}
    try:
        names = sorted(n for n in os.listdir(directory) if n.endswith(".tf"))
    except OSError:
        return out
    for name in names:
        path = os.path.join(directory, name)
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(
                path,
                None,
                None,
                f"cannot read the configuration: {exc}",
                "make the .tf file readable and UTF-8, or leave --tf-dir out",
            ) from None
        try:
            tree = hcl2.parses_to_tree(text)
        except lark.exceptions.UnexpectedInput as exc:
            raise InputError(
                path,
                getattr(exc, "line", None),
                getattr(exc, "column", None),
                "the Terraform configuration does not parse",
                "run terraform validate in the directory",
            ) from None
        body = tree.children[0] if tree.children else None
        for block in getattr(body, "children", ()):
            if getattr(block, "data", None) != "block" or len(block.children) < 3:
                continue
            head, rtype, rname = block.children[:3]
            if _text(head) != "resource" or getattr(rtype, "data", None) != "string":
                continue
            token = _first_token(head)
            line = getattr(token, "line", None)
            column = getattr(token, "column", None)
            out.setdefault((_text(rtype), _text(rname)), Location(path, line, column, None))
    return out


def module_dirs(plan: Plan, tf_dir: str) -> dict[tuple[str, ...], str]:
    """Module path (names from the root) -> its directory."""
    dirs: dict[tuple[str, ...], str] = {(): tf_dir}
    manifest = os.path.join(tf_dir, ".terraform", "modules", "modules.json")
    if os.path.isfile(manifest):
        try:
            with open(manifest, encoding="utf-8") as handle:
                modules = json.load(handle).get("Modules") or []
        except (OSError, ValueError):
            modules = []
        for entry in modules:
            key, folder = entry.get("Key"), entry.get("Dir")
            if isinstance(key, str) and key and isinstance(folder, str):
                dirs[tuple(key.split("."))] = os.path.join(tf_dir, folder)
    stack: list[tuple[tuple[str, ...], str, Any]] = [
        ((), tf_dir, (plan.configuration.get("root_module") or {}))
    ]
    while stack:
        path, folder, module = stack.pop()
        for name, call in (module.get("module_calls") or {}).items():
            source = call.get("source") if isinstance(call, dict) else None
            child = (*path, name)
            if child not in dirs and isinstance(source, str) and source.startswith(("./", "../")):
                dirs[child] = os.path.normpath(os.path.join(folder, source))
            if child in dirs:
                stack.append((child, dirs[child], call.get("module") or {}))
    return dirs


def locate_resources(plan: Plan, tf_dir: str) -> dict[tuple[str, str], Location]:
    """``(plan file, address) -> Location`` of every resource whose block is found."""
    if not os.path.isdir(tf_dir):
        raise UsageError(f"--tf-dir {tf_dir} is not a directory", "name the Terraform directory")
    dirs = module_dirs(plan, tf_dir)
    blocks: dict[tuple[str, ...], dict[tuple[str, str], Location]] = {}
    out: dict[tuple[str, str], Location] = {}
    for resource in plan:
        module = resource.parsed.module_path
        folder = dirs.get(module)
        if folder is None:
            continue
        if module not in blocks:
            blocks[module] = resource_blocks(folder)
        found = blocks[module].get((resource.type, resource.parsed.name))
        if found is not None:
            out[(plan.file, resource.address)] = Location(
                found.file, found.line, found.column, resource.address
            )
    return out


__all__ = ["locate_resources", "module_dirs", "resource_blocks"]
