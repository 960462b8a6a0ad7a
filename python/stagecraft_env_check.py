#!/usr/bin/env python3
"""Which of a model's pip requirements this interpreter satisfies: Stagecraft's python-env gate.

Run by the registry (src/promotion/gates/python-env.ts) with the interpreter a model's workers will
run, as ``python stagecraft_env_check.py`` with a JSON list of PEP 508 requirement strings on stdin.
Prints ``{"python": "3.11.2", "results": [{"requirement", "name", "installed", "status", "note"}]}``.
Standard library only (importlib.metadata); ``packaging`` is used when the interpreter has it (for
markers and the full specifier grammar), else a small fallback compares release numbers.

status: ``ok``; ``missing`` (no distribution of that name); ``mismatch`` (installed, but outside the
specifier); ``near`` (outside an exact ``==`` pin only by patch level, e.g. ``mlflow==3.11.1`` with
3.11.2 installed: the files MLflow writes pin the saving environment's exact versions, and a patch
release is compatible); ``skipped`` (an environment marker excludes it, or it cannot be parsed).
"""
import json
import re
import sys
from importlib import metadata


def load_packaging():
    for mod in ('packaging', 'pip._vendor.packaging'):
        try:
            req = __import__(mod + '.requirements', fromlist=['Requirement'])
            ver = __import__(mod + '.version', fromlist=['Version'])
            return req.Requirement, ver.Version
        except Exception:  # noqa: BLE001 - any failure means: use the fallback
            continue
    return None, None


Requirement, Version = load_packaging()
NAME = re.compile(r'^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([^;]*?)\s*(;.*)?$')
CLAUSE = re.compile(r'^\s*(===|~=|==|!=|<=|>=|<|>)\s*(\S+)\s*$')


def release(v):
    m = re.match(r'^\s*v?(\d+(?:\.\d+)*)', str(v))
    return tuple(int(x) for x in m.group(1).split('.')) if m else ()


def padded(a, b):
    n = max(len(a), len(b))
    return a + (0,) * (n - len(a)), b + (0,) * (n - len(b))


def fallback_ok(op, want, have):
    """Release-number comparison: enough for the pins MLflow writes (==, >=, <, ~=, ==X.*)."""
    if op in ('==', '!=') and want.endswith('.*'):
        prefix = release(want[:-2])
        hit = release(have)[: len(prefix)] == prefix
        return hit if op == '==' else not hit
    a, b = padded(release(have), release(want))
    if op in ('==', '==='):
        return a == b
    if op == '!=':
        return a != b
    if op == '>=':
        return a >= b
    if op == '<=':
        return a <= b
    if op == '>':
        return a > b
    if op == '<':
        return a < b
    if op == '~=':
        w = release(want)
        return a >= b and release(have)[: len(w) - 1] == w[: len(w) - 1]
    return True


def parse(text):
    """(name, [(op, version)], applies) — applies is False when a marker excludes this environment."""
    if Requirement is not None:
        r = Requirement(text)
        applies = r.marker is None or r.marker.evaluate()
        return r.name, [(s.operator, s.version) for s in r.specifier], applies, r.specifier
    m = NAME.match(text)
    if not m:
        raise ValueError('not a requirement')
    clauses = []
    for part in filter(None, (p.strip() for p in (m.group(3) or '').split(','))):
        c = CLAUSE.match(part)
        if not c:
            raise ValueError(f'cannot read the specifier "{part}"')
        clauses.append((c.group(1), c.group(2)))
    if m.group(4):
        return m.group(1), clauses, None, None  # a marker this fallback cannot evaluate
    return m.group(1), clauses, True, None


def satisfied(op, want, have, specifier):
    if specifier is not None:
        try:
            return Version(have) in type(specifier)(f'{op}{want}', prereleases=True)
        except Exception:  # noqa: BLE001 - an installed version packaging cannot read: compare releases
            pass
    return fallback_ok(op, want, have)


def check(text):
    out = {'requirement': text, 'name': None, 'installed': None, 'status': 'ok', 'note': None}
    try:
        name, clauses, applies, specifier = parse(text)
    except Exception as exc:  # noqa: BLE001
        out.update(status='skipped', note=f'cannot parse: {exc}')
        return out
    out['name'] = name
    if applies is None or not applies:
        out.update(status='skipped', note='an environment marker excludes it' if applies is not None else 'has a marker this interpreter cannot evaluate')
        return out
    try:
        have = metadata.version(name)
    except metadata.PackageNotFoundError:
        out['status'] = 'missing'
        return out
    out['installed'] = have
    failing = [(op, want) for op, want in clauses if not satisfied(op, want, have, specifier)]
    if failing:
        near = all(op == '==' and not want.endswith('.*') and release(want)[:2] == release(have)[:2] for op, want in failing)
        out['status'] = 'near' if near else 'mismatch'
    return out


def main():
    requirements = json.load(sys.stdin)
    results = [check(r) for r in requirements]
    json.dump({'python': sys.version.split()[0], 'results': results}, sys.stdout)


if __name__ == '__main__':
    main()
