// Accept header parsing and content negotiation (RFC 9110, section 12.5.1), for the
// njs rules of the formats (scripts/clients/<format>.js import it; serve.sh sets js_path).
//
// The header is a comma-separated list of media ranges: type/subtype ('*/*' and
// 'type/*' are wildcards, '*/subtype' is malformed), each followed by ';'-separated
// parameters whose values are tokens or quoted strings (a quoted ',' or ';' separates
// nothing). The weight is the first parameter named q: 0 to 1 with up to three
// decimals ("0", "0.5", "0.001", "1", "1.000"); without one, q=1. Parameters after q are
// extensions and ignored; media type parameters before it take no part in matching.
// A malformed range (its type, a parameter or its q) is left out, as if not listed.
// Weights are kept in thousandths, as integers, so no float rounding decides a tie.

var TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
var QUOTED = /^"(?:[^"\\]|\\.)*"$/;
var QVALUE = /^(?:0(?:\.([0-9]{0,3}))?|1(?:\.0{0,3})?)$/;

// s split at each sep that is outside a quoted string (with backslash escapes).
function split(s, sep) {
    var parts = [], cur = '', quoted = false, i, c;
    for (i = 0; i < s.length; i++) {
        c = s[i];
        if (quoted) {
            if (c === '\\' && i + 1 < s.length) {
                cur += c + s[i + 1];
                i++;
                continue;
            }
            if (c === '"') {
                quoted = false;
            }
        } else if (c === '"') {
            quoted = true;
        } else if (c === sep) {
            parts.push(cur);
            cur = '';
            continue;
        }
        cur += c;
    }
    parts.push(cur);
    return parts;
}

// The media range of one list element, {type, subtype, q}, or null when malformed
// (an empty element, which the list syntax allows, is null too).
function parseRange(element) {
    var params = split(element, ';');
    var range = params[0].trim().toLowerCase();
    var slash = range.indexOf('/');
    if (slash < 0) {
        return null;
    }
    var type = range.slice(0, slash), subtype = range.slice(slash + 1);
    if (!TOKEN.test(type) || !TOKEN.test(subtype) || (type === '*' && subtype !== '*')) {
        return null;
    }
    var q = 1000, i, p, eq, name, value, m;
    for (i = 1; i < params.length; i++) {
        p = params[i].trim();
        if (p === '') {
            continue;
        }
        eq = p.indexOf('=');
        if (eq < 1) {
            return null;
        }
        name = p.slice(0, eq).trim().toLowerCase();
        value = p.slice(eq + 1).trim();
        if (!TOKEN.test(name)) {
            return null;
        }
        if (name === 'q') {
            m = QVALUE.exec(value);
            if (!m) {
                return null;
            }
            q = value[0] === '1' ? 1000 : parseInt(((m[1] || '') + '000').slice(0, 3), 10);
            break;
        }
        if (!TOKEN.test(value.toLowerCase()) && !QUOTED.test(value)) {
            return null;
        }
    }
    return {type: type, subtype: subtype, q: q};
}

// The well-formed media ranges of an Accept header value, in order.
function parse(header) {
    var ranges = [];
    split(header, ',').forEach(function (element) {
        var r = parseRange(element);
        if (r) {
            ranges.push(r);
        }
    });
    return ranges;
}

// The weight (0..1000) the ranges give a representation known by any of the media
// types in names (lowercase): that of the most specific range that matches one of them
// (type/subtype, then type/*, then */*; the highest weight among equally specific ones),
// 0 when none matches.
function quality(ranges, names) {
    var best = 0, level = -1;
    ranges.forEach(function (r) {
        names.forEach(function (n) {
            var slash = n.indexOf('/'), type = n.slice(0, slash), subtype = n.slice(slash + 1), l;
            if (r.type === type && r.subtype === subtype) {
                l = 2;
            } else if (r.type === type && r.subtype === '*') {
                l = 1;
            } else if (r.type === '*' && r.subtype === '*') {
                l = 0;
            } else {
                return;
            }
            if (l > level) {
                level = l;
                best = r.q;
            } else if (l === level && r.q > best) {
                best = r.q;
            }
        });
    });
    return best;
}

// The weight of a media type that the ranges name exactly (no wildcard), 0 when they
// do not.
function listed(ranges, name) {
    var best = 0;
    ranges.forEach(function (r) {
        if (r.type + '/' + r.subtype === name && r.q > best) {
            best = r.q;
        }
    });
    return best;
}

// Of offers ({types: [media types, lowercase], ...}, in the server's order of
// preference), the one the ranges weigh highest; on a tie the earlier one; null when
// every offer weighs 0 (not acceptable).
function negotiate(ranges, offers) {
    var chosen = null, chosenQ = 0;
    offers.forEach(function (o) {
        var q = quality(ranges, o.types);
        if (q > chosenQ) {
            chosen = o;
            chosenQ = q;
        }
    });
    return chosen;
}

export default {parse: parse, quality: quality, listed: listed, negotiate: negotiate};
