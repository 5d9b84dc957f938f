'use strict';
// A contract on Fabric's Node contract API, exercising the calls the
// development peer must serve for a runtime it did not write.
const { Contract } = require('fabric-contract-api');

class AssetContract extends Contract {
    async CreateAsset(ctx, id, value) {
        await ctx.stub.putState(id, Buffer.from(value));
        ctx.stub.setEvent('AssetCreated', Buffer.from(id));
    }

    async ReadAsset(ctx, id) {
        const value = await ctx.stub.getState(id);
        if (!value || value.length === 0) {
            throw new Error(`the asset ${id} does not exist`);
        }
        return value.toString();
    }

    async CountAll(ctx) {
        let count = 0;
        for await (const _ of ctx.stub.getStateByRange('', '')) {
            count++;
        }
        return count;
    }

    async Composite(ctx, color, id) {
        const key = ctx.stub.createCompositeKey('color', [color, id]);
        await ctx.stub.putState(key, Buffer.from(id));
    }

    async ByColor(ctx, color) {
        const ids = [];
        for await (const kv of ctx.stub.getStateByPartialCompositeKey('color', [color])) {
            ids.push(kv.value.toString());
        }
        return ids.join(',');
    }

    async History(ctx, id) {
        const entries = [];
        for await (const m of ctx.stub.getHistoryForKey(id)) {
            entries.push(m.isDelete ? '<deleted>' : m.value.toString());
        }
        return entries.join(',');
    }

    async PutPrivate(ctx, collection, id) {
        const value = ctx.stub.getTransient().get('value');
        await ctx.stub.putPrivateData(collection, id, value);
    }

    async GetPrivate(ctx, collection, id) {
        return (await ctx.stub.getPrivateData(collection, id)).toString();
    }

    async Query(ctx, selector) {
        const keys = [];
        for await (const kv of ctx.stub.getQueryResult(selector)) {
            keys.push(kv.key);
        }
        return keys.join(',');
    }

    async Creator(ctx) {
        return ctx.clientIdentity.getMSPID();
    }
}

module.exports.contracts = [AssetContract];
