'use strict';
// The transfer on the low-level fabric-shim API, started as Fabric's Node
// samples start such chaincode:
//   node shim.js --peer.address <addr> --chaincode-id-name <id>
const shim = require('fabric-shim');

function amount(value) {
    return value && value.length > 0 ? parseInt(value.toString(), 10) : 0;
}

class Transfer {
    async Init() {
        return shim.success();
    }

    async Invoke(stub) {
        const { fcn, params } = stub.getFunctionAndParameters();
        if (fcn !== 'Transfer' || params.length !== 2) {
            return shim.error(`unknown function ${fcn}`);
        }
        const [from, to] = params;
        try {
            const a = amount(await stub.getState(from));
            const b = amount(await stub.getState(to));
            if (a < 1) {
                return shim.error('insufficient funds');
            }
            await stub.putState(from, Buffer.from(String(a - 1)));
            await stub.putState(to, Buffer.from(String(b + 1)));
            return shim.success();
        } catch (e) {
            return shim.error(e.message);
        }
    }
}

shim.start(new Transfer());
