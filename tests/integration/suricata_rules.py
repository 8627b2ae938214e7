"""A test-side checker of Suricata rule files against the documented rule syntax
(docs.suricata.io, "Rules Format", "Meta Keywords", "Payload Keywords", "Transformations",
"DNS/TLS/HTTP keywords"). Suricata itself is not in Debian bookworm's main archive, so the
integration tests load every generated rule file through this parser instead.

check_rules(text) -> list of "line N: problem" strings (empty when the file loads).

What it checks, per rule:
  header   action protocol src sport direction dst dport, with known actions and protocols,
           addresses (any, IPv4/IPv6 address or block, [list], $VAR) and ports (any, number)
  options  ';'-terminated, "name" or "name:value", names from the keyword list below,
           msg and content values in double quotes with the reserved characters escaped
           (msg: \\; \\" \\\\; content: hex |..| for ; " \\ |)
  order    content modifiers (nocase, startswith, endswith, depth, offset, bsize) follow a
           content or a sticky buffer; dotprefix sits between a sticky buffer and its content;
           a sticky buffer is followed by a content; sticky buffers match the protocol
           (dns.query: dns, tls.sni: tls, http.*: http); http.host content is lower case
  ids      sid and rev present, sid a positive integer unique in the file
"""
import ipaddress
import re

ACTIONS = {"alert", "pass", "drop", "reject", "rejectsrc", "rejectdst", "rejectboth"}
PROTOCOLS = {"ip", "tcp", "udp", "icmp", "http", "dns", "tls", "smtp", "ftp", "ssh", "any"}
STICKY = {"dns.query": "dns", "tls.sni": "tls", "http.host": "http", "http.uri": "http",
          "http.uri.raw": "http", "http.method": "http", "http.user_agent": "http"}
MODIFIERS = {"nocase", "startswith", "endswith", "depth", "offset", "bsize", "fast_pattern"}
TRANSFORMS = {"dotprefix"}
META = {"msg", "sid", "rev", "gid", "classtype", "reference", "priority", "metadata", "target"}
HEADER = re.compile(r"^(\S+) (\S+) (\S+) (\S+) (->|<>) (\S+) (\S+) \((.*)\)$")


def _address(a):
    if a == "any" or a.startswith("$"):
        return True
    if a.startswith("!"):
        a = a[1:]
    if a.startswith("[") and a.endswith("]"):
        return all(_address(x.strip()) for x in a[1:-1].split(","))
    try:
        ipaddress.ip_network(a, strict=True)
        return True
    except ValueError:
        return False


def _port(p):
    return p == "any" or p.startswith("$") or (p.isdigit() and 0 <= int(p) <= 65535)


def _split_options(body):
    """Splits on ';' outside double quotes, honouring backslash escapes."""
    opts, cur, quoted, i = [], "", False, 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            cur += body[i:i + 2]
            i += 2
            continue
        if c == '"':
            quoted = not quoted
        if c == ";" and not quoted:
            opts.append(cur.strip())
            cur = ""
        else:
            cur += c
        i += 1
    if quoted:
        raise ValueError("unterminated double quote")
    if cur.strip():
        raise ValueError("option '%s' is not terminated by ';'" % cur.strip())
    return opts


def _quoted(value):
    if len(value) < 2 or value[0] != '"' or value[-1] != '"':
        raise ValueError("value %r must be in double quotes" % value)
    return value[1:-1]


def _check_msg(s):
    i = 0
    while i < len(s):
        if s[i] == "\\":
            if i + 1 >= len(s) or s[i + 1] not in ';"\\':
                raise ValueError("msg: bad escape at %d" % i)
            i += 2
            continue
        if s[i] in ';"':
            raise ValueError("msg: unescaped %r" % s[i])
        i += 1


def _content_bytes(s):
    """Decodes a content string (with |hex| runs) to bytes; raises on reserved characters."""
    out, i = bytearray(), 0
    while i < len(s):
        c = s[i]
        if c == "|":
            j = s.find("|", i + 1)
            if j < 0:
                raise ValueError("content: unclosed |hex| run")
            hexpart = s[i + 1:j].replace(" ", "")
            if not hexpart or len(hexpart) % 2 or not re.fullmatch(r"[0-9A-Fa-f]+", hexpart):
                raise ValueError("content: bad hex run %r" % s[i:j + 1])
            out += bytes.fromhex(hexpart)
            i = j + 1
            continue
        if c == "\\":
            if i + 1 >= len(s) or s[i + 1] not in ';"\\':
                raise ValueError("content: bad escape")
            out.append(ord(s[i + 1]))
            i += 2
            continue
        if c in ';"':
            raise ValueError("content: unescaped %r" % c)
        out.append(ord(c))
        i += 1
    if not out:
        raise ValueError("content: empty")
    return bytes(out)


def check_rule(line):
    m = HEADER.match(line)
    if not m:
        raise ValueError("not 'action proto src sport dir dst dport (options)'")
    action, proto, src, sport, _, dst, dport, body = m.groups()
    if action not in ACTIONS:
        raise ValueError("unknown action %r" % action)
    if proto not in PROTOCOLS:
        raise ValueError("unknown protocol %r" % proto)
    for a in (src, dst):
        if not _address(a):
            raise ValueError("bad address %r" % a)
    for p in (sport, dport):
        if not _port(p):
            raise ValueError("bad port %r" % p)
    opts = _split_options(body)
    sid = rev = None
    last = None          # "buffer", "transform", "content" or None
    buffer = None
    for opt in opts:
        name, _, value = opt.partition(":")
        name = name.strip()
        value = value.strip()
        if name in STICKY:
            if value:
                raise ValueError("%s takes no value" % name)
            if STICKY[name] != proto:
                raise ValueError("%s needs protocol %s, not %s" % (name, STICKY[name], proto))
            if last in ("buffer", "transform"):
                raise ValueError("sticky buffer %s follows another buffer without content" % name)
            buffer, last = name, "buffer"
        elif name in TRANSFORMS:
            if last not in ("buffer", "transform"):
                raise ValueError("%s must follow a sticky buffer" % name)
            last = "transform"
        elif name == "content":
            data = _content_bytes(_quoted(value))
            if buffer == "http.host" and data.lower() != data:
                raise ValueError("http.host content must be lower case")
            last = "content"
        elif name in MODIFIERS:
            if last not in ("content", "buffer") and name != "bsize":
                raise ValueError("%s must follow a content" % name)
            if name in ("depth", "offset", "bsize") and not value.isdigit():
                raise ValueError("%s needs a number" % name)
            if name in ("nocase", "startswith", "endswith") and value:
                raise ValueError("%s takes no value" % name)
        elif name in META:
            if name == "msg":
                _check_msg(_quoted(value))
            elif name == "sid":
                if not value.isdigit() or int(value) < 1:
                    raise ValueError("sid must be a positive integer")
                sid = int(value)
            elif name == "rev":
                if not value.isdigit():
                    raise ValueError("rev must be an integer")
                rev = int(value)
            elif name == "metadata":
                for part in value.split(","):
                    if len(part.split()) < 2:
                        raise ValueError("metadata entries are 'key value'")
        else:
            raise ValueError("unknown keyword %r" % name)
    if last in ("buffer", "transform"):
        raise ValueError("sticky buffer %s has no content" % buffer)
    if sid is None or rev is None:
        raise ValueError("sid and rev are required")
    return sid


def check_rules(text):
    problems, sids = [], {}
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            sid = check_rule(line)
        except ValueError as e:
            problems.append("line %d: %s" % (n, e))
            continue
        if sid in sids:
            problems.append("line %d: sid %d already used on line %d" % (n, sid, sids[sid]))
        sids[sid] = n
    return problems
