"""The Bot API spec (data/botapi/api-10.0.json): loading, request validation, output checks.

Requests are *coerced* the way the Bot API server reads them: on the wire every parameter may
be a string (form fields, query string, multipart parts), so ``"123"`` is a valid Integer and
objects/arrays arrive JSON-serialised. A JSON body may carry typed values directly.

Limits that the spec states only in prose ("1-4096 characters after entities parsing",
"1-64 bytes", "Values between 1-100") are parsed from the field descriptions.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from .entities import parse_text, trim
from .errors import ApiError, EmulatorBug, bad_request
from .wire import UploadedFile

SPEC_PATH = Path(__file__).resolve().parents[2] / "data" / "botapi" / "api-10.0.json"

SCALARS = frozenset({"Integer", "String", "Boolean", "Float", "InputFile"})


@dataclass(frozen=True, slots=True)
class TypeRef:
    name: str
    depth: int  # number of "Array of" wrappers

    @classmethod
    def parse(cls, text: str) -> TypeRef:
        depth = 0
        while text.startswith("Array of "):
            text = text[len("Array of ") :]
            depth += 1
        return cls(text, depth)

    def __str__(self) -> str:
        return "Array of " * self.depth + self.name


@dataclass(frozen=True, slots=True)
class Limit:
    lo: int
    hi: int
    unit: str  # "chars", "bytes", "items", "value"
    after_entities: bool = False


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    types: tuple[TypeRef, ...]
    required: bool
    description: str
    limit: Limit | None


@dataclass(frozen=True, slots=True)
class ObjSpec:
    """A method's parameters or a type's fields (same shape in the spec)."""

    name: str
    fields: dict[str, FieldSpec]
    required: tuple[str, ...]
    subtypes: tuple[str, ...] = ()
    returns: tuple[TypeRef, ...] = ()


_LEN = re.compile(r"(\d+)-(\d+) (characters|bytes)( after entit(?:y|ies) parsing)?")
_VALUES = re.compile(r"[Vv]alues between (\d+)-(\d+)")
_ITEMS = re.compile(r"\b(\d+)-(\d+) (?!characters|bytes)")


def _limit(types: tuple[TypeRef, ...], description: str) -> Limit | None:
    first = types[0]
    if first.depth == 0 and first.name == "String":
        m = _LEN.search(description)
        if m:
            unit = "bytes" if m.group(3) == "bytes" else "chars"
            return Limit(int(m.group(1)), int(m.group(2)), unit, bool(m.group(4)))
    elif first.depth == 0 and first.name == "Integer":
        m = _VALUES.search(description)
        if m:
            return Limit(int(m.group(1)), int(m.group(2)), "value")
    elif first.depth > 0 and "list of" in description:
        m = _ITEMS.search(description)
        if m:
            return Limit(int(m.group(1)), int(m.group(2)), "items")
    return None


def _obj(name: str, raw: dict[str, Any]) -> ObjSpec:
    fields: dict[str, FieldSpec] = {}
    for f in raw.get("fields", []):
        types = tuple(TypeRef.parse(t) for t in f["types"])
        desc = f["description"]
        fields[f["name"]] = FieldSpec(f["name"], types, f["required"], desc, _limit(types, desc))
    return ObjSpec(
        name=name,
        fields=fields,
        required=tuple(n for n, f in fields.items() if f.required),
        subtypes=tuple(raw.get("subtypes", ())),
        returns=tuple(TypeRef.parse(t) for t in raw.get("returns", ())),
    )


# Telegram's own wording for the limits and missing parameters the bot is most likely to hit.
_MISSING = {
    "chat_id": "chat_id is empty",
    "text": "message text is empty",
}
# Client::process_delete_message_query checks its two identifiers itself.
_MISSING_IN = {
    ("deleteMessage", "chat_id"): "chat identifier is not specified",
    ("deleteMessage", "message_id"): "message identifier is not specified",
}
_LIMIT_WORDING: dict[tuple[str, str], tuple[str, str]] = {
    ("sendMessage", "text"): ("message text is empty", "message is too long"),
    ("editMessageText", "text"): ("message text is empty", "message is too long"),
    ("*", "caption"): ("message caption is empty", "message caption is too long"),
    ("InlineKeyboardButton", "callback_data"): ("BUTTON_DATA_INVALID", "BUTTON_DATA_INVALID"),
    ("answerCallbackQuery", "text"): ("MESSAGE_TOO_LONG", "MESSAGE_TOO_LONG"),
}
_OBJECT_WORDING = {
    "reply_markup": "reply keyboard markup",
    "InlineKeyboardButton": "inline keyboard button",
}
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
PARSE_MODE_FIELD = {"text": "parse_mode", "caption": "parse_mode"}


# Client.cpp reads only the arguments a method knows (`query->arg(name)`) and never looks at
# the rest, so Telegram accepts any extra name. The emulator still lists unknown names, to catch
# a bot's typos, except these: a library's defaults (PTB `Defaults(parse_mode=…)`) put them on
# every message method, editMessageReplyMarkup included, by design rather than by mistake.
_IGNORED_DEFAULTS = frozenset({"parse_mode"})


class _TypeMismatch(Exception):
    pass


@dataclass(slots=True)
class Coerced:
    """A validated request: typed params, the unknown names, and parsed rich texts."""

    params: dict[str, Any]
    unknown: list[str] = field(default_factory=list)
    texts: dict[str, tuple[str, list[dict[str, Any]]]] = field(default_factory=dict)
    # Mistakes the server tolerates (it reads them as a default) but a correct bot never makes.
    tolerated: list[str] = field(default_factory=list)


class Spec:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.version: str = raw.get("version", "")
        self.methods: dict[str, ObjSpec] = {
            n.lower(): _obj(n, m) for n, m in raw["methods"].items()
        }
        self.types: dict[str, ObjSpec] = {n: _obj(n, t) for n, t in raw["types"].items()}
        # The server clamps getUpdates' limit to 1-100 instead of rejecting it.
        updates = self.methods["getupdates"]
        updates.fields["limit"] = replace(updates.fields["limit"], limit=None)
        # Polls are checked by methods.send_poll after parsing and trimming, like
        # MessageContent.cpp / PollOption.cpp do, not on the raw strings.
        poll = self.methods["sendpoll"]
        for name in ("question", "options"):
            poll.fields[name] = replace(poll.fields[name], limit=None)
        option = self.types["InputPollOption"]
        option.fields["text"] = replace(option.fields["text"], limit=None)
        # Client::process_send_poll_query still reads the pre-10.0 correct_option_id.
        poll.fields["correct_option_id"] = FieldSpec(
            "correct_option_id", (TypeRef("Integer", 0),), False, "legacy", None
        )
        # Client::do_set_webhook: an empty url deletes the webhook; the secret token is
        # checked there with the server's words (webhook.check_webhook).
        hook = self.methods["setwebhook"]
        hook.fields["url"] = replace(hook.fields["url"], required=False)
        hook.fields["secret_token"] = replace(hook.fields["secret_token"], limit=None)
        self.methods["setwebhook"] = replace(
            hook, required=tuple(r for r in hook.required if r != "url")
        )
        # Client::get_input_message_contents reads any InputMedia; mixing and counts are
        # TDLib's check_message_group_message_contents (methods.send_media_group).
        group = self.methods["sendmediagroup"]
        group.fields["media"] = replace(
            group.fields["media"], types=(TypeRef("InputMedia", 1),), limit=None
        )
        # An InputMedia's "media" may be "attach://<part>" (a file of the same request).
        for sub in self.types["InputMedia"].subtypes:
            obj = self.types[sub]
            obj.fields["media"] = replace(
                obj.fields["media"], types=(TypeRef("InputFile", 0), TypeRef("String", 0))
            )
        # BotCommand is checked after trimming (_check_bot_command), not on the raw strings.
        command = self.types["BotCommand"]
        for name in ("command", "description"):
            command.fields[name] = replace(command.fields[name], limit=None)
        # Concrete subtypes of abstract types, told apart by a field such as type="photo".
        self.discriminators: dict[str, tuple[str, str]] = {}
        for obj in self.types.values():
            for sub in obj.subtypes:
                disc = _discriminator(self.types[sub])
                if disc is not None:
                    self.discriminators[sub] = disc

    def method(self, name: str) -> ObjSpec | None:
        return self.methods.get(name.lower())

    def _discriminates(self, type_name: str, value: dict[str, Any]) -> bool:
        disc = self.discriminators.get(type_name)
        if disc is None:
            return all(value.get(r) is not None for r in self.types[type_name].required)
        return value.get(disc[0]) == disc[1]

    # ----------------------------------------------------------------- requests

    def coerce_params(self, method: ObjSpec, raw: dict[str, Any]) -> Coerced:
        """Validate and type one call's parameters; raise ApiError(400) like Telegram."""
        files = {k: v for k, v in raw.items() if isinstance(v, UploadedFile)}
        out = Coerced({})
        used_files: set[str] = set()
        for name, spec in method.fields.items():
            value = raw.get(name)
            if value is None or value == "":
                if spec.required:
                    detail = _MISSING_IN.get((method.name, name)) or _MISSING.get(
                        name, f'parameter "{name}" is required'
                    )
                    raise bad_request(detail, violation=True)
                continue
            if name == "message_id" and spec.types == (TypeRef("Integer", 0),):
                # Client::get_message_id: anything but a non-negative integer reads as 0,
                # which the methods answer as "message ... not found".
                number = _coerce_int(value)
                if number is None or number < 0:
                    out.tolerated.append(f"message_id {value!r} is not a message identifier")
                    number = 0
                out.params[name] = number
                continue
            typed = self._coerce_top(method.name, spec, value, files, used_files, out)
            out.params[name] = typed
        self._check_parsed_texts(method, out)
        out.unknown.extend(
            k for k in raw
            if k not in method.fields and k not in used_files and k not in _IGNORED_DEFAULTS
        )  # fmt: skip
        return out

    def _coerce_top(
        self,
        owner: str,
        spec: FieldSpec,
        value: Any,
        files: dict[str, UploadedFile],
        used: set[str],
        out: Coerced,
    ) -> Any:
        if spec.types == (TypeRef("Boolean", 0),) and not isinstance(value, bool):
            # Client::to_bool: a top-level flag is "true", "yes" or "1" (any case), else false.
            return str(value).strip().lower() in ("true", "yes", "1")
        try:
            typed = self._coerce_union(spec.types, value, spec.name, files, used, out)
        except _TypeMismatch as exc:
            raise self._type_error(spec, str(exc)) from None
        if spec.limit is not None and not spec.limit.after_entities:
            self._check_limit(owner, spec, typed)
        return typed

    def _type_error(self, spec: FieldSpec, detail: str) -> ApiError:
        first = spec.types[0]
        if first.depth == 0 and first.name in SCALARS:
            return bad_request(f"invalid {spec.name} specified", violation=True)
        what = _OBJECT_WORDING.get(spec.name, spec.name)
        if detail:
            return bad_request(f"can't parse {what}: {detail}", violation=True)
        return bad_request(f"can't parse {what} JSON object", violation=True)

    def _coerce_union(
        self,
        types: tuple[TypeRef, ...],
        value: Any,
        path: str,
        files: dict[str, UploadedFile],
        used: set[str],
        out: Coerced,
    ) -> Any:
        best: _TypeMismatch | None = None
        for ref in types:
            try:
                return self._coerce(ref, value, path, files, used, out)
            except _TypeMismatch as exc:
                # Keep the most specific reason (an object that looked right but had a bad field).
                if best is None or (str(exc) and not str(best)):
                    best = exc
        raise best or _TypeMismatch("")

    def _coerce(
        self,
        ref: TypeRef,
        value: Any,
        path: str,
        files: dict[str, UploadedFile],
        used: set[str],
        out: Coerced,
    ) -> Any:
        if ref.depth:
            if isinstance(value, str):
                value = _json_or_mismatch(value)
            if not isinstance(value, list):
                raise _TypeMismatch("")
            inner = TypeRef(ref.name, ref.depth - 1)
            return [
                self._coerce(inner, v, f"{path}[{i}]", files, used, out)
                for i, v in enumerate(value)
            ]
        if ref.name in SCALARS:
            return _coerce_scalar(ref.name, value, files, used)
        return self._coerce_object(ref.name, value, path, files, used, out)

    def _coerce_object(
        self,
        type_name: str,
        value: Any,
        path: str,
        files: dict[str, UploadedFile],
        used: set[str],
        out: Coerced,
    ) -> dict[str, Any]:
        if type_name in ("KeyboardButton", "InputPollOption") and isinstance(value, str):
            # Client::get_keyboard_button / get_input_poll_options take a String as the text
            return {"text": value}
        if isinstance(value, str):
            value = _json_or_mismatch(value)
        if not isinstance(value, dict):
            raise _TypeMismatch("")
        obj = self.types[type_name]
        if obj.subtypes:
            return self._coerce_abstract(obj, value, path, files, used, out)
        wording = _OBJECT_WORDING.get(type_name, type_name)
        for req in obj.required:
            if value.get(req) is None:
                raise _TypeMismatch(f'Can\'t find field "{req}"' if wording else "")
        result: dict[str, Any] = {}
        for key, v in value.items():
            fspec = obj.fields.get(key)
            if fspec is None:
                out.unknown.append(f"{path}.{key}")
                continue
            if v is None or (v == "" and type_name == "InlineKeyboardButton" and key != "text"):
                continue  # Client reads an empty url / callback_data as absent
            try:
                typed = self._coerce_union(fspec.types, v, f"{path}.{key}", files, used, out)
            except _TypeMismatch:
                raise _TypeMismatch(f'Field "{key}" must be of type {fspec.types[0]}') from None
            if fspec.limit is not None:
                self._check_limit(type_name, fspec, typed)
            result[key] = typed
        if type_name == "BotCommand":
            _check_bot_command(result)
        return result

    def _coerce_abstract(
        self,
        obj: ObjSpec,
        value: dict[str, Any],
        path: str,
        files: dict[str, UploadedFile],
        used: set[str],
        out: Coerced,
    ) -> dict[str, Any]:
        for sub in obj.subtypes:
            if self._discriminates(sub, value):
                return self._coerce_object(sub, value, path, files, used, out)
        raise _TypeMismatch(f"unsupported {obj.name} type")

    def _check_limit(self, owner: str, spec: FieldSpec, value: Any) -> None:
        limit = spec.limit
        assert limit is not None
        if limit.unit == "chars":
            size = len(value)
        elif limit.unit == "bytes":
            size = len(value.encode())
        elif limit.unit == "items":
            size = len(value)
        else:
            size = value
        if limit.lo <= size <= limit.hi:
            return
        wording = _LIMIT_WORDING.get((owner, spec.name)) or _LIMIT_WORDING.get(("*", spec.name))
        if wording is None:
            if limit.unit == "value":
                raise bad_request(
                    f"{spec.name} must be between {limit.lo} and {limit.hi}", violation=True
                )
            short, long_ = f"{spec.name} must be non-empty", f"{spec.name} is too long"
        else:
            short, long_ = wording
        raise bad_request(short if size < limit.lo else long_, violation=True)

    def _check_parsed_texts(self, method: ObjSpec, out: Coerced) -> None:
        """Parse rich texts (HTML/Markdown) and apply their "after entities parsing" limits."""
        for name, spec in method.fields.items():
            mode_field = PARSE_MODE_FIELD.get(name, f"{name}_parse_mode")
            if mode_field not in method.fields:
                continue
            text = out.params.get(name)
            after = spec.limit is not None and spec.limit.after_entities
            if text is None:
                if spec.required and after:
                    self._check_limit(method.name, spec, "")
                continue
            entities_field = "entities" if name == "text" else f"{name}_entities"
            given = out.params.get(entities_field)
            try:
                plain, entities = parse_text(text, out.params.get(mode_field), given)
            except ApiError as exc:
                exc.violation = True
                exc.rule = exc.rule or "rich_text"
                raise
            # fix_formatted_text trims ' ' and '\n'; a message text or poll question left empty
            # is refused (captions and explanations may be empty).
            plain, entities = trim(plain, entities)
            if not plain and name in ("text", "question"):
                raise bad_request("text must be non-empty", rule="text_empty_after_trim")
            if after:
                assert spec.limit is not None
                self._check_limit(method.name, spec, plain)
            out.texts[name] = (plain, entities)

    # ----------------------------------------------------------------- outputs

    def check(self, types: tuple[TypeRef, ...], value: Any, what: str) -> None:
        """Raise EmulatorBug unless ``value`` is valid for one of ``types``."""
        errors: list[str] = []
        for ref in types:
            errors = self._errors(ref, value, what)
            if not errors:
                return
        raise EmulatorBug(f"emulator produced an invalid {what}: " + "; ".join(errors[:5]))

    def check_type(self, type_name: str, value: Any, what: str | None = None) -> None:
        self.check((TypeRef(type_name, 0),), value, what or type_name)

    def _errors(self, ref: TypeRef, value: Any, path: str) -> list[str]:
        if ref.depth:
            if not isinstance(value, list):
                return [f"{path}: expected {ref}"]
            inner = TypeRef(ref.name, ref.depth - 1)
            errs: list[str] = []
            for i, v in enumerate(value):
                errs.extend(self._errors(inner, v, f"{path}[{i}]"))
            return errs
        if ref.name in SCALARS:
            return [] if _scalar_ok(ref.name, value) else [f"{path}: expected {ref.name}"]
        if not isinstance(value, dict):
            return [f"{path}: expected {ref.name} object"]
        obj = self.types[ref.name]
        if obj.subtypes:
            best: list[str] = [f"{path}: matches no subtype of {obj.name}"]
            for sub in obj.subtypes:
                errs = self._errors(TypeRef(sub, 0), value, path)
                if not errs:
                    return []
                if self._discriminates(sub, value):
                    best = errs
            return best
        return self._object_errors(obj, value, path)

    def _object_errors(self, obj: ObjSpec, value: dict[str, Any], path: str) -> list[str]:
        errs = [f"{path}.{r}: missing" for r in obj.required if r not in value]
        for key, v in value.items():
            fspec = obj.fields.get(key)
            if fspec is None:
                errs.append(f"{path}.{key}: not a field of {obj.name}")
                continue
            sub_errs: list[str] = []
            for ref in fspec.types:
                sub_errs = self._errors(ref, v, f"{path}.{key}")
                if not sub_errs:
                    break
            errs.extend(sub_errs)
        return errs


_ALWAYS = re.compile(r'(?:always|must be) [“"]?([a-z_]+)')


def _discriminator(obj: ObjSpec) -> tuple[str, str] | None:
    for f in obj.fields.values():
        if f.required and f.types == (TypeRef("String", 0),):
            m = _ALWAYS.search(f.description)
            if m:
                return f.name, m.group(1)
    return None


def _check_bot_command(command: dict[str, Any]) -> None:
    """td/telegram/BotCommand.cpp ``set_commands``: trim, drop one leading '/', then lengths;
    the character set is the server's (BOT_COMMAND_INVALID)."""
    name = command["command"].strip()
    name = name.removeprefix("/")
    description = command["description"].strip()
    if not name:
        raise bad_request("command must be non-empty", rule="bot_command")
    if len(name) > 32:
        raise bad_request("command length must not exceed 32", rule="bot_command")
    if not description:
        raise bad_request("command description must be non-empty", rule="bot_command")
    if len(description) > 256:
        raise bad_request("command description length must not exceed 256", rule="bot_command")
    if not _COMMAND_RE.fullmatch(name):
        raise bad_request("BOT_COMMAND_INVALID", rule="bot_command")
    command["command"], command["description"] = name, description


def _json_or_mismatch(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise _TypeMismatch("") from None


_INT_RE = re.compile(r"-?\d+")


def _coerce_scalar(name: str, value: Any, files: dict[str, UploadedFile], used: set[str]) -> Any:
    if name == "String":
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
    elif name == "Integer":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and _INT_RE.fullmatch(value.strip()):
            return int(value)
    elif name == "Float":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
    elif name == "Boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
            return value.lower() in ("true", "1")
    elif name == "InputFile":
        if isinstance(value, UploadedFile):
            return value
        if isinstance(value, str) and value.startswith("attach://"):
            part = value[len("attach://") :]
            if part in files:
                used.add(part)
                return files[part]
            raise ApiError(400, "Bad Request: can't find attached file", violation=True)
    raise _TypeMismatch("")


def _coerce_int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INT_RE.fullmatch(value.strip()):
        return int(value)
    return None


def _scalar_ok(name: str, value: Any) -> bool:
    if name == "String":
        return isinstance(value, str)
    if name == "Integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "Float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if name == "Boolean":
        return isinstance(value, bool)
    return False  # InputFile is never part of an answer


@cache
def load_spec(path: Path = SPEC_PATH) -> Spec:
    """The parsed spec; cached because it is immutable and costs ~50 ms to build."""
    return Spec(json.loads(path.read_text(encoding="utf-8")))
