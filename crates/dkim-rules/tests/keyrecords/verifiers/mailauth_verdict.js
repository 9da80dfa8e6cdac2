// Asks mailauth (the Node.js verifier of Postal Systems, npm package "mailauth") what it
// makes of one key record. Usage: node mailauth_verdict.js RECORDFILE MESSAGE
// Needs NODE_PATH to hold a node_modules with mailauth (run.py installs it in a temporary
// directory). The record is the only TXT answer, for sel._domainkey.example.com; MESSAGE is
// signed with d=example.com s=sel by a key that is not the record's, so "fail (bad
// signature)" means the record was accepted and used; "neutral", "policy" or "temperror"
// with a comment about the key means it was refused.
'use strict';
const fs = require('fs');
const { dkimVerify } = require('mailauth/lib/dkim/verify');

async function main() {
    const [recordFile, messageFile] = process.argv.slice(2);
    const record = fs.readFileSync(recordFile, 'latin1');
    const strings = [];
    for (let i = 0; i < record.length; i += 255) {
        strings.push(record.slice(i, i + 255));
    }
    const resolver = async (name, type) => {
        if (type === 'TXT' && name === 'sel._domainkey.example.com') {
            return [strings.length ? strings : ['']];
        }
        const err = new Error('no such name ' + name);
        err.code = 'ENOTFOUND';
        throw err;
    };
    const res = await dkimVerify(fs.readFileSync(messageFile), { resolver });
    const result = res.results[0];
    const status = result.status;
    const detail = `${status.result}${status.comment ? ' (' + status.comment + ')' : ''}`;
    if (status.result === 'pass' || (status.result === 'fail' && status.comment === 'bad signature')) {
        console.log(`accept\t${detail}`);
    } else {
        console.log(`reject\t${detail}`);
    }
}

main().catch(err => {
    console.log(`reject\texception: ${err.message}`);
});
