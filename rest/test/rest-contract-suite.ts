import { after, before, describe } from 'node:test';
import { adminContract } from './contract/admin-contract.js';
import { connectorCrudContract } from './contract/connector-crud-contract.js';
import { connectorLifecycleContract } from './contract/connector-lifecycle-contract.js';
import { ContractContext, type ContractTarget } from './contract/contract-context.js';
import { pluginsContract } from './contract/plugins-contract.js';
import { robustnessContract } from './contract/robustness-contract.js';

export type { ContractTarget };

/**
 * The REST contract: Kafka Connect's paths, bodies and status codes, checked over real HTTP.
 * It uses only the `datagen` and `stdout` plugins and only what the API promises, so the same
 * suite runs against the in-memory fake herder and against a real worker: connector names are
 * unique per run, state changes are polled for, and what it creates it deletes.
 */
export function restContractSuite(name: string, setup: () => Promise<ContractTarget>): void {
  describe(name, () => {
    const ctx = new ContractContext();
    let target: ContractTarget | undefined;

    before(async () => {
      target = await setup();
      ctx.attach(target);
      await ctx.api.waitFor('GET /health to answer 200', async () => ((await ctx.api.get('/health')).status === 200 ? true : undefined));
    });

    after(async () => {
      await ctx.cleanup();
      await target?.close();
    });

    describe('server and admin', () => adminContract(ctx));
    describe('connector CRUD', () => connectorCrudContract(ctx));
    describe('connector lifecycle', () => connectorLifecycleContract(ctx));
    describe('connector plugins', () => pluginsContract(ctx));
    describe('robustness', () => robustnessContract(ctx));
  });
}
