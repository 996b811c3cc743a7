'use strict';
// Council motions as polkadot.js apps' Governance → Council page sends them: a member proposes
// with a threshold (`council.propose`), members vote (`council.vote`), and a member closes the
// motion once it has its ayes (`council.close`), which dispatches the proposal with the
// council-majority origin. Every step is a plain signed extrinsic through @polkadot/api.

const { describeDispatchError, submitAndWaitFinalized } = require('./common');

// Events of `section.method` in a finalized submission's result.
function eventsOf(result, section, method) {
  return result.events.filter(({ event }) => event.section === section && event.method === method);
}

// Fails with the dispatch error if the extrinsic did not succeed.
function assertSuccess(api, result, what) {
  const failed = result.events.find(({ event }) => api.events.system.ExtrinsicFailed.is(event));
  if (failed) {
    throw new Error(`${what} failed: ${describeDispatchError(api, failed.event.data[0])}`);
  }
}

// Passes `call` through the council: `proposer` proposes it for the votes of `voters` (the
// proposer included, if it is to vote), then closes it. Resolves with the `council.Executed`
// event's result (a DispatchResult), so that the caller can check what the call itself did.
async function passMotion(api, proposer, voters, call, { timeoutS = 120, log = console.log } = {}) {
  const threshold = voters.length;
  const lengthBound = call.method.encodedLength;
  const proposed = await submitAndWaitFinalized(
    api.tx.council.propose(threshold, call, lengthBound),
    proposer,
    timeoutS,
    log,
  );
  assertSuccess(api, proposed, 'council.propose');
  const [event] = eventsOf(proposed, 'council', 'Proposed');
  if (!event) throw new Error('council.propose emitted no Proposed event');
  const { proposalIndex, proposalHash } = event.event.data;
  log(`motion #${proposalIndex} ${proposalHash.toHex()} proposed, threshold ${threshold}`);
  for (const voter of voters) {
    const voted = await submitAndWaitFinalized(
      api.tx.council.vote(proposalHash, proposalIndex, true),
      voter,
      timeoutS,
      log,
    );
    assertSuccess(api, voted, `council.vote by ${voter.address}`);
  }
  const info = await api.call.transactionPaymentCallApi.queryCallInfo(call.method, lengthBound);
  const closed = await submitAndWaitFinalized(
    api.tx.council.close(proposalHash, proposalIndex, info.weight, lengthBound),
    proposer,
    timeoutS,
    log,
  );
  assertSuccess(api, closed, 'council.close');
  const [executed] = eventsOf(closed, 'council', 'Executed');
  if (!executed) throw new Error('council.close did not execute the motion');
  return { result: executed.event.data.result, closed };
}

module.exports = { passMotion, eventsOf, assertSuccess };
