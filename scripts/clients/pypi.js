// pypi: the njs half of scripts/clients/pypi.nginx (variables set in pypi-http.nginx).
import fs from 'fs';
import accept from 'accept.js';

// The Simple API's representations (PEP 691), in the server's order of preference on
// a tie; 'latest' names the same version as v1, and the answer carries v1's type (the
// file's extension gives it: see the types in pypi.nginx).
var SIMPLE = [
    {types: ['application/vnd.pypi.simple.v1+json', 'application/vnd.pypi.simple.latest+json'],
        file: 'index.v1_json'},
    {types: ['application/vnd.pypi.simple.v1+html', 'application/vnd.pypi.simple.latest+html'],
        file: 'index.v1_html'},
    {types: ['text/html'], file: 'index.html'},
];

// A project name as a request may spell it, and a release version in a JSON API URL:
// only these are redirected (nothing else reaches a Location header).
var NAME = /^[A-Za-z0-9._-]+$/;
var VERSION = /^[A-Za-z0-9._+!-]+$/;

function exists(path) {
    try {
        fs.accessSync(path);
        return true;
    } catch (e) {
        return false;
    }
}

// PEP 503: lowercase, each run of '-', '_' and '.' one '-'.
function normalise(name) {
    return name.replace(/[-_.]+/g, '-').toLowerCase();
}

// $pypi_simple_page, for /pypi/simple/ and /pypi/simple/<project>/: the file to answer
// with, of those the directory has, by the request's Accept header (none: text/html);
// "406" when the header accepts none of them, "404" when the directory has none.
function simplePage(r) {
    var dir = r.variables.document_root + r.uri;
    var offers = SIMPLE.filter(function (o) { return exists(dir + o.file); });
    if (offers.length === 0) {
        return '404';
    }
    var header = r.headersIn['Accept'];
    if (header === undefined || header.trim() === '') {
        header = 'text/html';
    }
    var chosen = accept.negotiate(accept.parse(header), offers);
    return chosen ? chosen.file : '406';
}

// $pypi_redirect: the URL of the normalised project name when the request names a
// project by another spelling, else empty. /pypi/simple/<name>/ and /pypi/simple/<name>
// go to /pypi/simple/<normalised>/ (the slash-less form only when no such file exists:
// /pypi/simple/index.html is a file); /pypi/pypi/<name>/json and
// /pypi/pypi/<name>/<version>/json keep their version.
function redirect(r) {
    var uri = r.uri, m, name;
    m = /^\/pypi\/simple\/([^\/]+)(\/?)$/.exec(uri);
    if (m) {
        name = m[1];
        if (!NAME.test(name) || normalise(name) === name) {
            return '';
        }
        if (m[2] === '' && exists(r.variables.document_root + uri)) {
            return '';
        }
        return '/pypi/simple/' + normalise(name) + '/';
    }
    m = /^\/pypi\/pypi\/([^\/]+)\/(?:([^\/]+)\/)?json$/.exec(uri);
    if (m) {
        name = m[1];
        if (!NAME.test(name) || normalise(name) === name) {
            return '';
        }
        if (m[2] !== undefined && !VERSION.test(m[2])) {
            return '';
        }
        return '/pypi/pypi/' + normalise(name) + '/' + (m[2] !== undefined ? m[2] + '/' : '') + 'json';
    }
    return '';
}

export default {simplePage: simplePage, redirect: redirect};
