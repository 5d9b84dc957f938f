'use strict';
// The transfer on fabric-contract-api, started by its own command line:
//   fabric-chaincode-node start --peer.address <addr> --chaincode-id-name <id>
const { Contract } = require('fabric-contract-api');

function amount(value) {
    return value && value.length > 0 ? parseInt(value.toString(), 10) : 0;
}

class TransferContract extends Contract {
    constructor() {
        super('TransferContract');
    }

    async Transfer(ctx, from, to) {
        const a = amount(await ctx.stub.getState(from));
        const b = amount(await ctx.stub.getState(to));
        if (a < 1) {
            throw new Error('insufficient funds');
        }
        await ctx.stub.putState(from, Buffer.from(String(a - 1)));
        await ctx.stub.putState(to, Buffer.from(String(b + 1)));
    }
}

module.exports.contracts = [TransferContract];
