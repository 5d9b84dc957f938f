// SPDX-License-Identifier: Apache-2.0
//
// The official Node Gateway client (@hyperledger/fabric-gateway) as one
// client process of fabric-bench's client section (issue 15), driving
// `fabric-dev-peer serve` over the line protocol of
// bench/src/gateway/mod.rs:
//
//   stdout  {"ready":true,"client":"node","detail":"…"}
//   stdin   run <evaluate|submit> <C> <N> <prefix>
//   stdout  {"calls":N,"ok":N,"failed":0,"elapsed_s":…,"error":null}
//   stdin   latencies
//   stdout  {"latencies_ns":[…]}
//   stdin   quit
//
// Connected as the fabric-samples application-gateway-typescript app is
// (one grpc.Client, `connect()` with the user's identity and a private-key
// signer, SHA-256, the same deadlines), but in plaintext: `serve` runs
// without TLS for the benchmark. Environment: PEER_ENDPOINT, MSP_DIR
// (signcerts/ and keystore/), MSP_ID, CHANNEL_NAME, CHAINCODE_NAME.

'use strict';

const grpc = require('@grpc/grpc-js');
const { connect, hash, signers } = require('@hyperledger/fabric-gateway');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');

const peerEndpoint = required('PEER_ENDPOINT');
const mspDir = required('MSP_DIR');
const mspId = process.env.MSP_ID || 'Org1MSP';
const channelName = process.env.CHANNEL_NAME || 'mychannel';
const chaincodeName = process.env.CHAINCODE_NAME || 'basic';
const evaluateAsset = 'asset1';

function required(key) {
    const value = process.env[key];
    if (!value) {
        process.stderr.write(`gateway.js: ${key} is not set\n`);
        process.exit(1);
    }
    return value;
}

function firstFile(dir) {
    const files = fs.readdirSync(dir).sort();
    if (files.length === 0) {
        throw new Error(`no files in ${dir}`);
    }
    return path.join(dir, files[0]);
}

function reply(value) {
    process.stdout.write(JSON.stringify(value) + '\n');
}

async function call(contract, op, prefix, i) {
    if (op === 'evaluate') {
        const asset = await contract.evaluateTransaction('ReadAsset', evaluateAsset);
        if (asset.length === 0) {
            throw new Error('ReadAsset returned nothing');
        }
    } else if (op === 'submit') {
        // Resolves once the transaction is committed VALID; throws otherwise.
        await contract.submitTransaction('CreateAsset', `${prefix}-${i}`, 'blue', '5', 'Tom', '1300');
    } else {
        throw new Error(`unknown call ${op}`);
    }
}

// n calls with c in flight, each worker taking the next call number.
async function run(contract, op, c, n, prefix) {
    const latencies = [];
    let next = 0;
    let failed = 0;
    let error = null;
    const started = process.hrtime.bigint();
    const worker = async () => {
        for (;;) {
            const i = next++;
            if (i >= n) {
                return;
            }
            const t = process.hrtime.bigint();
            try {
                await call(contract, op, prefix, i);
            } catch (e) {
                failed++;
                if (error === null) {
                    error = `${e.constructor?.name ?? 'Error'}: ${e.message}`;
                }
            }
            latencies.push(Number(process.hrtime.bigint() - t));
        }
    };
    await Promise.all(Array.from({ length: Math.min(c, n) }, worker));
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    return { reply: { calls: latencies.length, ok: latencies.length - failed, failed, elapsed_s: elapsed, error }, latencies };
}

async function main() {
    const client = new grpc.Client(peerEndpoint, grpc.credentials.createInsecure());
    const gateway = connect({
        client,
        identity: { mspId, credentials: fs.readFileSync(firstFile(path.join(mspDir, 'signcerts'))) },
        signer: signers.newPrivateKeySigner(crypto.createPrivateKey(fs.readFileSync(firstFile(path.join(mspDir, 'keystore'))))),
        hash: hash.sha256,
        evaluateOptions: () => ({ deadline: Date.now() + 5000 }),
        endorseOptions: () => ({ deadline: Date.now() + 15000 }),
        submitOptions: () => ({ deadline: Date.now() + 5000 }),
        commitStatusOptions: () => ({ deadline: Date.now() + 60000 }),
    });
    const contract = gateway.getNetwork(channelName).getContract(chaincodeName);
    // Connect before saying ready, as the Rust client does.
    await new Promise((resolve, reject) =>
        client.waitForReady(Date.now() + 10000, (e) => (e ? reject(e) : resolve())),
    );
    const version = (name) => JSON.parse(fs.readFileSync(path.join(__dirname, 'node_modules', name, 'package.json'), 'utf8')).version;
    reply({
        ready: true,
        client: 'node',
        detail: `node ${process.version}, @hyperledger/fabric-gateway ${version('@hyperledger/fabric-gateway')}, @grpc/grpc-js ${version('@grpc/grpc-js')}`,
    });

    let last = [];
    const lines = readline.createInterface({ input: process.stdin, terminal: false });
    try {
        for await (const line of lines) {
            const words = line.trim().split(/\s+/);
            if (words[0] === 'run' && words.length === 5) {
                const [, op, c, n, prefix] = words;
                const result = await run(contract, op, Number(c), Number(n), prefix);
                last = result.latencies;
                reply(result.reply);
            } else if (words[0] === 'latencies') {
                reply({ latencies_ns: last });
                last = [];
            } else if (words[0] === 'quit') {
                break;
            } else {
                throw new Error(`unknown command ${JSON.stringify(line)}`);
            }
        }
    } finally {
        lines.close();
        gateway.close();
        client.close();
    }
}

main().catch((error) => {
    process.stderr.write(`gateway.js: ${error.stack ?? error}\n`);
    process.exitCode = 1;
});
