#!/usr/bin/env python3
"""control-schema.py - docs/control-api.schema.json against the doc and the
server, for tests/docs-control.test (shell runs the commands; JSON is read
here, never in shell).

usage: control-schema.py SCHEMA commands
       control-schema.py SCHEMA doc DOC.md
       control-schema.py SCHEMA replies LIST
       control-schema.py SCHEMA server-commands FILE
       control-schema.py SCHEMA live SOCKET

commands         the commands the schema describes (its request.CMD), one a line
doc              DOC's tables list exactly the schema's keys, with its types:
                 under `### NAME`, a `| key | type | meaning |` table for
                 reply.NAME (or the def NAME: error, progress; `ok` is in every
                 reply and in no table) and an `| argument | type | meaning |`
                 table for request.NAME; the `| command |` index names every command
replies          each line of LIST is "DEF FILE WHAT": FILE (one JSON value,
                 as `ctl --json` prints it) is valid against the def DEF
                 (reply.CMD, error); WHAT (the command line) names it
server-commands  FILE is the error reply to an unknown command: the commands
                 it lists are exactly the schema's
live             over SOCKET: every argument of every request.CMD is known to
                 the server with the schema's type, an argument that is not
                 there is refused, and a migrate that asks for progress sends
                 progress lines, then its reply, each valid
Every mode first checks the schema itself: each key of each reply object is
in its required or its x-optional list, and the object allows no other.
Exit status: 0 when all holds, 1 with what differs on stderr, 2 on bad use.
"""
import json
import re
import socket
import sys

try:
    import jsonschema
except ImportError:
    sys.exit("control-schema.py: no python3 jsonschema module: install python3-jsonschema "
             "(scripts/setup-deps)")

DEFS = "#/$defs/"


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


class Schema:
    def __init__(self, path):
        self.root = load(path)
        jsonschema.Draft202012Validator.check_schema(self.root)
        self.defs = self.root["$defs"]
        self.commands = [k[len("request."):] for k in self.defs if k.startswith("request.")]
        self.lint_errors = []
        for name, d in self.defs.items():
            if not name.startswith("request."):  # arguments are optional
                self.lint(d, name)

    def lint(self, s, where):
        """every key of every object of a reply is required, or optional by
        name (x-optional: it comes only in a stated case), and no other key
        is allowed; so a key added to the schema is checked against the
        server's replies"""
        props = s.get("properties")
        if props is not None:
            req, opt = set(s.get("required", [])), set(s.get("x-optional", []))
            for k in props:
                if (k in req) == (k in opt):
                    self.lint_errors.append("%s: `%s` must be in exactly one of required and x-optional"
                                            % (where, k))
            for k in (req | opt) - set(props):
                self.lint_errors.append("%s: `%s` is required or optional but no property" % (where, k))
            if s.get("additionalProperties") is not False:
                self.lint_errors.append("%s: the object allows other keys (additionalProperties)" % where)
            for k, p in props.items():
                self.lint(p, where + "." + k)
        if isinstance(s.get("items"), dict):
            self.lint(s["items"], where + "[]")

    def resolve(self, s):
        while "$ref" in s:
            assert s["$ref"].startswith(DEFS), s["$ref"]
            s = self.defs[s["$ref"][len(DEFS):]]
        return s

    def keys(self, s, prefix=""):
        """{dotted path: type} of every key of object schema s, nested
        objects' keys as a.b, array items' keys as a[].b"""
        out = {}
        for name, p in self.resolve(s).get("properties", {}).items():
            p = self.resolve(p)
            t = p.get("type", "any")
            out[prefix + name] = " or ".join(t) if isinstance(t, list) else t
            if t == "object":
                out.update(self.keys(p, prefix + name + "."))
            elif t == "array" and isinstance(p.get("items"), dict):
                out.update(self.keys(p["items"], prefix + name + "[]."))
        return out

    def validate(self, name, value):
        """what is wrong with value as the def name, one message a line"""
        v = jsonschema.Draft202012Validator({"$ref": DEFS + name, "$defs": self.defs})
        return ["%s: at %s: %s" % (name, "/".join(map(str, e.absolute_path)) or "top", e.message)
                for e in sorted(v.iter_errors(value), key=lambda e: list(map(str, e.path)))]


IGNORED = object()  # a table of another kind (request | error, character | frame)


def doc_tables(path):
    """{(heading, 'key' | 'argument' | 'command'): {name: type}} from the
    doc's `### heading` sections"""
    tables, heading, cur = {}, None, None
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            m = re.match(r"^#{2,3} (.*)$", line)
            if m:
                heading, cur = m.group(1).strip(), None
                continue
            if not line.startswith("|"):
                cur = None
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if cur is None:
                kind = cells[0]
                cur = {} if kind in ("key", "argument", "command") else IGNORED
                if cur is not IGNORED:
                    if (heading, kind) in tables:
                        raise SystemExit("%s:%d: a second %s table under '%s'" % (path, n, kind, heading))
                    tables[(heading, kind)] = cur
                continue
            if cur is IGNORED or re.match(r"^-+$", cells[0]):
                continue
            names = re.findall(r"`([^`]+)`", cells[0])
            if not names:
                raise SystemExit("%s:%d: no `name` in the first cell: %s" % (path, n, line))
            for name in names:
                if name in cur:
                    raise SystemExit("%s:%d: '%s' twice under '%s'" % (path, n, name, heading))
                cur[name] = cells[1] if len(cells) > 1 else ""
    return tables


def compare(what, doc, schema):
    """the differences between two {name: type}, one message a line"""
    out = []
    for k in schema:
        if k not in doc:
            out.append("%s: `%s` (%s) is in the schema, not in the doc" % (what, k, schema[k]))
        elif doc[k] != schema[k]:
            out.append("%s: `%s` is %s in the doc, %s in the schema" % (what, k, doc[k], schema[k]))
    out += ["%s: `%s` is in the doc, not in the schema" % (what, k) for k in doc if k not in schema]
    return out


def check_doc(s, path):
    tables, errors = doc_tables(path), []
    replies = {c: "reply." + c for c in s.commands}
    replies.update({d: d for d in ("error", "progress")})
    for heading, defname in replies.items():
        keys = s.keys(s.defs[defname])
        keys.pop("ok", None)
        if (heading, "key") not in tables:
            errors.append("%s: no `| key | type | meaning |` table under '### %s'" % (defname, heading))
            continue
        errors += compare(defname, tables[(heading, "key")], keys)
    for c in s.commands:
        args = s.keys(s.defs["request." + c])
        for k in ("cmd", "progress"):
            args.pop(k)
        errors += compare("request." + c, tables.get((c, "argument"), {}), args)
    for heading, kind in tables:
        if kind == "key" and heading not in replies:
            errors.append("the doc has a key table under '%s', which is no reply in the schema" % heading)
        if kind == "argument" and heading not in s.commands:
            errors.append("the doc has an argument table under '%s', which is no command in the schema"
                          % heading)
    index = [t for (h, kind), t in tables.items() if kind == "command"]
    if len(index) != 1:
        errors.append("the doc has %d `| command |` index tables, not 1" % len(index))
    else:
        errors += compare("the command index", {c: "" for c in index[0]}, {c: "" for c in s.commands})
    return errors


def check_replies(s, path):
    errors, n = [], 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            defname, reply, what = line.rstrip("\n").split(" ", 2)
            n += 1
            if defname not in s.defs:
                errors.append("%s: the schema has no def '%s'" % (what, defname))
                continue
            errors += ["%s: %s" % (what, e) for e in s.validate(defname, load(reply))]
    if not n:
        errors.append("%s lists no reply" % path)
    return errors


def check_server_commands(s, path):
    msg = load(path).get("error", "")
    m = re.search(r"\(commands: (.*)\)$", msg)
    if not m:
        return ["no command list in the error '%s'" % msg]
    server = m.group(1).split(", ")
    return (["the server has `%s`, the schema does not" % c for c in server if c not in s.commands] +
            ["the schema has `%s`, the server does not" % c for c in s.commands if c not in server])


class Conn:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(path)
        self.f = self.sock.makefile("rw", encoding="utf-8")

    def send(self, req):
        self.f.write(json.dumps(req) + "\n")
        self.f.flush()

    def line(self):
        line = self.f.readline()
        if not line:
            raise SystemExit("control-schema.py: the server closed the connection")
        return json.loads(line)


# the server's names for the JSON types of an argument (json_type_to_name)
SERVER_TYPE = {"integer": "int", "string or integer": "string"}


def check_live(s, path):
    c, errors = Conn(path), []
    for cmd in s.commands:
        args = s.keys(s.defs["request." + cmd])
        for k in ("cmd", "progress"):
            args.pop(k)
        # a list is no argument's type: the server names the type it wants,
        # and runs nothing
        for name, t in args.items():
            c.send({"cmd": cmd, name: []})
            r = c.line()
            want = 'argument "%s" must be of type %s' % (name, SERVER_TYPE.get(t, t))
            if r.get("error") != want:
                errors.append("%s %s: the server answered %s, not the error '%s'"
                              % (cmd, name, json.dumps(r), want))
        c.send({"cmd": cmd, "no_such_argument": 1})
        r = c.line()
        if r.get("error") != 'unknown argument "no_such_argument"':
            errors.append("%s: an argument not in the schema was answered %s" % (cmd, json.dumps(r)))
    c.send({"cmd": "migrate", "from_node": 0, "count": 2, "to_node": 1, "progress": True})
    lines = 0
    while True:
        r = c.line()
        if "progress" not in r:
            break
        lines += 1
        errors += s.validate("progress", r)
    errors += s.validate("reply.migrate", r)
    if not lines:
        errors.append("migrate with \"progress\": true sent no progress line")
    return errors


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    s, what, rest = Schema(argv[1]), argv[2], argv[3:]
    if s.lint_errors:
        for e in s.lint_errors:
            print("  %s: %s" % (argv[1], e), file=sys.stderr)
        return 1
    if what == "commands" and not rest:
        print("\n".join(s.commands))
        return 0
    if what == "doc" and len(rest) == 1:
        errors = check_doc(s, rest[0])
    elif what == "replies" and len(rest) == 1:
        errors = check_replies(s, rest[0])
    elif what == "server-commands" and len(rest) == 1:
        errors = check_server_commands(s, rest[0])
    elif what == "live" and len(rest) == 1:
        errors = check_live(s, rest[0])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for e in errors:
        print("  " + e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
