"""Validation of STIX 2.1 objects against the OASIS JSON schemas in $PI_STIX_DIR/schemas.

Every schema file is loaded into a store keyed by its "$id"; references are resolved from
that store only (a RefResolver whose remote handlers refuse), so nothing is fetched from the
network. The schema for an object is chosen by its type:

    sdos/<type>.json, sros/<type>.json, observables/<type>.json,
    common/marking-definition.json, common/language-content.json,
    common/extension-definition.json
    anything else (custom objects): common/core.json, or common/cyber-observable-core.json
    for objects without "created" (custom observables)

    from stixschema import validate_object, schema_errors
    validate_object(obj)          # AssertionError naming the object and the first errors
    schema_errors(obj) -> [str]   # empty when valid
"""
import glob
import json
import os
import warnings

import jsonschema

STIX_DIR = os.environ.get("PI_STIX_DIR") or os.path.join(
    os.path.dirname(__file__), "..", "..", "..", "shared", "stix")
SCHEMA_DIR = os.path.join(STIX_DIR, "schemas")

_cache = {}


def available():
    return os.path.isdir(os.path.join(SCHEMA_DIR, "common"))


def _refuse_network(uri):
    raise jsonschema.exceptions.RefResolutionError(
        "schema %s is not in the local store (no network fetches)" % uri)


def _load():
    if _cache:
        return _cache
    store = {}
    by_path = {}
    for path in sorted(glob.glob(os.path.join(SCHEMA_DIR, "**", "*.json"), recursive=True)):
        with open(path, encoding="utf-8") as f:
            schema = json.load(f)
        sid = schema.get("$id")
        assert sid, "schema %s has no $id" % path
        store[sid] = schema
        by_path[os.path.relpath(path, SCHEMA_DIR).replace(os.sep, "/")] = schema
    assert by_path, "no schemas in %s" % SCHEMA_DIR
    _cache["store"] = store
    _cache["by_path"] = by_path
    _cache["validators"] = {}
    return _cache


def _schema_for(obj):
    c = _load()
    t = obj.get("type") if isinstance(obj, dict) else None
    if isinstance(t, str):
        for folder in ("sdos", "sros", "observables", "common"):
            key = "%s/%s.json" % (folder, t)
            if key in c["by_path"] and (folder != "common" or t in (
                    "marking-definition", "language-content", "extension-definition")):
                return key
    if isinstance(obj, dict) and "created" not in obj:
        return "common/cyber-observable-core.json"
    return "common/core.json"


def _validator(key):
    c = _load()
    v = c["validators"].get(key)
    if v is None:
        schema = c["by_path"][key]
        cls = jsonschema.validators.validator_for(schema)
        with warnings.catch_warnings():
            # jsonschema >= 4.18 deprecates RefResolver in favour of 'referencing'; the
            # Debian version (4.10) has only RefResolver. Both behave the same here.
            warnings.simplefilter("ignore", DeprecationWarning)
            resolver = jsonschema.RefResolver(
                base_uri=schema["$id"], referrer=schema, store=dict(c["store"]),
                handlers={"http": _refuse_network, "https": _refuse_network})
            v = cls(schema, resolver=resolver)
        c["validators"][key] = v
    return v


def schema_errors(obj):
    """List of readable schema errors for one STIX object (empty when valid)."""
    key = _schema_for(obj)
    v = _validator(key)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        errs = sorted(v.iter_errors(obj), key=lambda e: list(e.absolute_path))
    return ["%s: %s: %s" % (key, "/".join(str(p) for p in e.absolute_path) or "(top)",
                            e.message[:300]) for e in errs]


def validate_object(obj):
    errs = schema_errors(obj)
    assert not errs, "%s is not schema-valid:\n  %s" % (
        obj.get("id") if isinstance(obj, dict) else repr(obj)[:80], "\n  ".join(errs[:5]))


def validate_objects(objs):
    for o in objs:
        validate_object(o)
