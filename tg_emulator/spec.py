"""The Bot API specification in machine form, and request validation against it.

Every request is coerced to the spec types first (form bodies carry only strings, and
nested objects arrive as JSON strings) and then checked recursively: required fields,
scalar types, arrays and nested objects. Unknown fields are ignored like Telegram does.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from .errors import ApiError, bad_request

ARRAY_PREFIX = "Array of "
_MUST_BE = re.compile(r"must be (?:\"|“)?([a-z_]+)")
# The Bot API puts no length on scalars; these nested-object limits come from the docs.
_MAX_DEPTH = 12


@dataclass
class Upload:
    """A file that arrived as a multipart part of the request."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class FieldSpec:
    name: str
    types: tuple[str, ...]
    required: bool


@dataclass(frozen=True)
class MethodSpec:
    name: str
    fields: tuple[FieldSpec, ...]
    returns: tuple[str, ...]


class Spec:
    """Bot API methods and types, looked up case-insensitively for methods."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.version: str = raw.get("version", "")
        self.types: dict[str, dict[str, Any]] = raw["types"]
        self.methods: dict[str, MethodSpec] = {}
        for name, method in raw["methods"].items():
            fields = tuple(
                FieldSpec(f["name"], tuple(f["types"]), bool(f.get("required")))
                for f in method.get("fields", [])
            )
            self.methods[name.lower()] = MethodSpec(name, fields, tuple(method.get("returns", [])))
        self._type_fields: dict[str, dict[str, FieldSpec]] = {
            name: {
                f["name"]: FieldSpec(f["name"], tuple(f["types"]), bool(f.get("required")))
                for f in t.get("fields", [])
            }
            for name, t in self.types.items()
        }

    def method(self, name: str) -> MethodSpec | None:
        return self.methods.get(name.lower())

    # ----------------------------------------------------------------- validation

    def coerce_and_validate(
        self, method: MethodSpec, params: dict[str, Any], uploads: dict[str, Upload]
    ) -> dict[str, Any]:
        """Return the params converted to spec types; raise a 400 ApiError on violations."""
        result: dict[str, Any] = {}
        for field in method.fields:
            if field.name in uploads and field.name not in params:
                value: Any = uploads[field.name]
            elif field.name in params:
                value = params[field.name]
            else:
                if field.required:
                    raise bad_request(_missing_field_reason(method.name, field.name))
                continue
            result[field.name] = self._check_value(
                value, field.types, field.name, top_level=True, depth=0
            )
        return result

    def _check_value(
        self, value: Any, types: tuple[str, ...], where: str, *, top_level: bool, depth: int
    ) -> Any:
        if depth > _MAX_DEPTH:
            raise bad_request(f"{where} is nested too deeply")
        if len(types) > 1 and all(t.startswith(ARRAY_PREFIX) for t in types):
            # "Array of InputMediaPhoto, InputMediaVideo": one array of mixed elements.
            value = self._maybe_json(value, where, top_level)
            if not isinstance(value, list):
                raise bad_request(f"{where} must be an Array")
            inner = tuple(t[len(ARRAY_PREFIX) :] for t in types)
            return [
                self._check_value(v, inner, f"{where}[{i}]", top_level=False, depth=depth + 1)
                for i, v in enumerate(value)
            ]
        first_error: ApiError | None = None
        if isinstance(value, dict) and len(types) > 1:
            # Report the error of the type the object most looks like.
            types = tuple(sorted(types, key=lambda t: not self._has_required_fields(value, t)))
        for type_name in types:
            try:
                return self._check_one(value, type_name, where, top_level=top_level, depth=depth)
            except ApiError as error:
                first_error = first_error or error
        assert first_error is not None
        if len(types) > 1 and not isinstance(value, (dict, list)):
            raise bad_request(f"{where} must be of type {' or '.join(types)}")
        raise first_error

    def _check_one(
        self, value: Any, type_name: str, where: str, *, top_level: bool, depth: int
    ) -> Any:
        if type_name.startswith(ARRAY_PREFIX):
            value = self._maybe_json(value, where, top_level)
            if not isinstance(value, list):
                raise bad_request(f"{where} must be an Array")
            inner = (type_name[len(ARRAY_PREFIX) :],)
            return [
                self._check_value(v, inner, f"{where}[{i}]", top_level=False, depth=depth + 1)
                for i, v in enumerate(value)
            ]
        if type_name == "Integer":
            return _as_integer(value, where)
        if type_name == "Float":
            return _as_float(value, where)
        if type_name == "Boolean":
            return _as_boolean(value, where)
        if type_name == "String":
            if isinstance(value, str):
                return value
            # Telegram stringifies numbers given for String fields.
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return str(value)
            raise bad_request(f"{where} must be of type String")
        if type_name == "InputFile":
            if isinstance(value, (Upload, str)):
                return value
            raise bad_request(f"{where} must be a file upload, a file_id or a URL")
        return self._check_object(value, type_name, where, top_level=top_level, depth=depth)

    def _check_object(
        self, value: Any, type_name: str, where: str, *, top_level: bool, depth: int
    ) -> Any:
        type_spec = self.types.get(type_name)
        if type_spec is None:
            return value
        value = self._maybe_json(value, where, top_level)
        subtypes = type_spec.get("subtypes")
        if subtypes:
            return self._check_abstract(value, type_name, subtypes, where, depth)
        if not isinstance(value, dict):
            raise bad_request(f"can't parse {where}: {type_name} must be an Object")
        fields = self._type_fields.get(type_name, {})
        checked = dict(value)
        for name, field in fields.items():
            if name not in value:
                if field.required:
                    raise bad_request(f'can\'t parse {where}: field "{name}" must be present')
                continue
            checked[name] = self._check_value(
                value[name], field.types, f"{where}.{name}", top_level=False, depth=depth + 1
            )
        return checked

    def _check_abstract(
        self, value: Any, type_name: str, subtypes: list[str], where: str, depth: int
    ) -> Any:
        if isinstance(value, dict):
            discriminator = value.get("type", value.get("status", value.get("source")))
            for subtype in subtypes:
                if discriminator is not None and discriminator == self.discriminator(subtype):
                    return self._check_value(value, (subtype,), where, top_level=False, depth=depth)
            if discriminator is not None and any(self.discriminator(s) for s in subtypes):
                raise bad_request(f'unsupported {where} type "{discriminator}"')
        for subtype in subtypes:
            try:
                return self._check_value(value, (subtype,), where, top_level=False, depth=depth)
            except ApiError:
                continue
        raise bad_request(f"can't parse {where} as {type_name}")

    def _has_required_fields(self, value: dict[str, Any], type_name: str) -> bool:
        fields = self._type_fields.get(type_name)
        if not fields:
            return False
        return all(name in value for name, f in fields.items() if f.required)

    @cache  # noqa: B019 - the spec lives as long as the process
    def discriminator(self, type_name: str) -> str | None:
        """The fixed value of a subtype's "type"/"status"/"source" field ("must be chat")."""
        for field in self.types.get(type_name, {}).get("fields", []):
            if field["name"] in ("type", "status", "source"):
                match = _MUST_BE.search(field.get("description", ""))
                if match:
                    return match.group(1)
        return None

    @staticmethod
    def _maybe_json(value: Any, where: str, top_level: bool) -> Any:
        # Form and multipart bodies carry nested objects as JSON strings; only top-level
        # parameters may be encoded this way, exactly like the real API.
        if top_level and isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {where} JSON object") from None
        return value

    # ------------------------------------------------------------ default objects

    def default_object(self, type_name: str, depth: int = 0) -> Any:
        """A minimal valid object of a type, for methods the emulator only acknowledges."""
        if type_name.startswith(ARRAY_PREFIX):
            return []
        scalar_defaults = {"Integer": 0, "Float": 0.0, "Boolean": True, "String": ""}
        if type_name in scalar_defaults:
            return scalar_defaults[type_name]
        type_spec = self.types.get(type_name)
        if type_spec is None or depth > 4:
            return {}
        if type_spec.get("subtypes"):
            return self.default_object(type_spec["subtypes"][0], depth + 1)
        obj: dict[str, Any] = {}
        for field in self._type_fields.get(type_name, {}).values():
            if field.required:
                fixed = self.discriminator(type_name) if field.name in ("type", "status") else None
                obj[field.name] = fixed or self.default_object(field.types[0], depth + 1)
        return obj


def _missing_field_reason(method: str, field: str) -> str:
    # Telegram's own wording for the commonest omissions.
    if field == "text" and method in ("sendMessage", "editMessageText"):
        return "message text is empty"
    if field == "callback_query_id":
        return "query is too old and response timeout expired or query ID is invalid"
    return f"{field} is empty" if field.endswith("_id") else f'parameter "{field}" is required'


def _as_integer(value: Any, where: str) -> int:
    if isinstance(value, bool):
        raise bad_request(f"{where} must be of type Integer")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise bad_request(f"{where} must be of type Integer")


def _as_float(value: Any, where: str) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise bad_request(f"{where} must be of type Float")


def _as_boolean(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    raise bad_request(f"{where} must be of type Boolean")


@cache
def load_spec() -> Spec:
    text = resources.files("tg_emulator").joinpath("data/api.min.json").read_text("utf-8")
    return Spec(json.loads(text))
