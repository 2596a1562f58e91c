// npm: the njs half of scripts/clients/npm.nginx (variables set in npm-http.nginx).
import fs from 'fs';
import accept from 'accept.js';

var ABBREVIATED = 'application/vnd.npm.install-v1+json';

function exists(path) {
    try {
        fs.accessSync(path);
        return true;
    } catch (e) {
        return false;
    }
}

// $npm_packument, for /npm/<name> (scoped: /npm/@scope/name, which /npm/@scope%2fname
// decodes to): the abbreviated packument, install-v1.json, when the Accept header lists
// application/vnd.npm.install-v1+json at q>0 (by name: a wildcard does not ask for it)
// and the package has one; else the full one, index.json.
function packument(r) {
    var header = r.headersIn['Accept'];
    if (header !== undefined && accept.listed(accept.parse(header), ABBREVIATED) > 0 &&
        exists(r.variables.document_root + r.uri + '/install-v1.json')) {
        return 'install-v1.json';
    }
    return 'index.json';
}

export default {packument: packument};
