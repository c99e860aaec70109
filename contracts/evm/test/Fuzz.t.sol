// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {EscrowFixture} from "./base/EscrowFixture.sol";
import {IntentEscrow} from "../src/IntentEscrow.sol";
import {FeeOnTransferToken} from "../src/test-tokens/FeeOnTransferToken.sol";

contract FuzzTest is EscrowFixture {
    function testFuzz_Open_AnyAmountAndDeadline_StoredExactly(uint256 amount, uint64 deadline) public {
        amount = bound(amount, 1, type(uint256).max / 2);
        deadline = uint64(bound(deadline, block.timestamp + 1, type(uint64).max));
        IntentEscrow.IntentParams memory p = _params(address(token), amount);
        p.fillDeadline = deadline;
        bytes32 id = _openWith(alice, p);
        (address depositor, address inputToken, uint256 stored, uint64 storedDeadline, uint8 status) = escrow.intentOf(id);
        assertEq(depositor, alice, "depositor");
        assertEq(inputToken, address(token), "token");
        assertEq(stored, amount, "amount");
        assertEq(storedDeadline, deadline, "deadline");
        assertEq(status, 1, "Open");
        assertEq(token.balanceOf(address(escrow)), amount, "escrow balance");
    }

    function testFuzz_Open_DeadlineNotInFuture_Reverts(uint64 deadline) public {
        deadline = uint64(bound(deadline, 0, block.timestamp));
        IntentEscrow.IntentParams memory p = _params(address(token), 1);
        p.fillDeadline = deadline;
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.DeadlineInPast.selector, deadline, block.timestamp));
        escrow.open(p);
    }

    function testFuzz_RefundExpired_OnlyFromDeadlinePlusGrace(uint64 deadlineOffset, uint256 elapsed) public {
        deadlineOffset = uint64(bound(deadlineOffset, 1, 365 days));
        elapsed = bound(elapsed, 0, 2 * 365 days);
        IntentEscrow.IntentParams memory p = _params(address(token), 777);
        p.fillDeadline = uint64(block.timestamp + deadlineOffset);
        bytes32 id = _openWith(alice, p);
        uint256 refundableAt = uint256(p.fillDeadline) + GRACE + 1;
        vm.warp(block.timestamp + elapsed);
        if (block.timestamp < refundableAt) {
            vm.expectRevert(abi.encodeWithSelector(IntentEscrow.RefundTooEarly.selector, id, refundableAt));
            escrow.refundExpired(id);
            assertEq(escrow.intentStatus(id), 1, "still Open");
        } else {
            escrow.refundExpired(id);
            assertEq(token.balanceOf(alice), 777, "refunded");
        }
    }

    function testFuzz_Settle_PayoutBoundedByPool(uint256 pool, uint256 amount) public {
        pool = bound(pool, 1, type(uint128).max);
        amount = bound(amount, 0, type(uint128).max);
        _fund(pool);
        if (amount > pool) {
            bytes32 root = keccak256(abi.encode("root", uint64(1)));
            IntentEscrow.Action[] memory actions = _one(_payout(keccak256("s"), bob, amount));
            bytes[] memory sigs = _sigs(1, 0, root, actions, THRESHOLD);
            vm.expectRevert(abi.encodeWithSelector(IntentEscrow.InsufficientPool.selector, address(token), pool, amount));
            escrow.settle(1, 0, root, actions, sigs);
        } else {
            _settle(1, _one(_payout(keccak256("s"), bob, amount)));
            assertEq(escrow.poolBalance(address(token)), pool - amount, "pool");
            assertEq(token.balanceOf(bob), amount, "paid");
        }
    }

    function testFuzz_LegDigest_MatchesIndependentEip712(uint64 epochId, uint32 chunk, bytes32 root, bytes32 intentId, uint256 amount)
        public
        view
    {
        IntentEscrow.Action[] memory actions = _two(_release(intentId), _payout(intentId, bob, amount));
        bytes memory leaves;
        for (uint256 i = 0; i < actions.length; ++i) {
            IntentEscrow.Action memory a = actions[i];
            leaves = abi.encodePacked(
                leaves,
                keccak256(abi.encode(uint64(block.chainid), epochId, a.kind, a.intentId, a.token, a.account, a.amount))
            );
        }
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("DiscreteExec"),
                keccak256("1"),
                block.chainid,
                address(escrow)
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Leg(uint64 epochId,uint32 chunk,bytes32 chunkHash,bytes32 batchRoot,uint64 signerSetVersion)"),
                epochId,
                chunk,
                keccak256(leaves),
                root,
                uint64(1)
            )
        );
        bytes32 expected = keccak256(abi.encodePacked(hex"1901", domain, structHash));
        assertEq(escrow.legDigest(epochId, chunk, root, actions), expected, "digest");
    }

    struct Scenario {
        uint256 seed;
        bytes32[] ids;
        uint256[] amounts;
        uint8[] fate; // 0 stays Open, 1 Release, 2 Refund
        uint256 payoutCount;
        uint256 pool; // the model's pool after the chunk
        uint256 withdrawn;
    }

    /// A random mix of intents, pool funding and a random action list, checked against a model.
    function testFuzz_Settle_RandomActionList_MatchesModel(uint256 seed, uint8 intentCount, uint8 payoutCount) public {
        Scenario memory sc;
        sc.seed = seed;
        sc.payoutCount = bound(payoutCount, 0, 12);
        sc.pool = bound(uint256(keccak256(abi.encode(seed, "fund"))), 0, 1e12);
        if (sc.pool > 0) _fund(sc.pool);
        _openIntents(sc, bound(intentCount, 1, 12));
        (IntentEscrow.Action[] memory releases, IntentEscrow.Action[] memory transfers) = _buildActions(sc);
        if (releases.length > 0) _settle(1, 0, releases);
        _settle(1, 1, transfers);
        _checkOutcome(sc);
    }

    function _openIntents(Scenario memory sc, uint256 count) internal {
        sc.ids = new bytes32[](count);
        sc.amounts = new uint256[](count);
        sc.fate = new uint8[](count);
        for (uint256 i = 0; i < count; ++i) {
            sc.amounts[i] = bound(uint256(keccak256(abi.encode(sc.seed, "amount", i))), 1, 1e12);
            sc.ids[i] = _open(address(uint160(0x5000 + i)), sc.amounts[i]);
            sc.fate[i] = uint8(uint256(keccak256(abi.encode(sc.seed, "fate", i))) % 3);
        }
    }

    /// Leg order: a Release chunk, then refunds, payouts, one withdraw in a transfer chunk; payouts
    /// never exceed the model's pool.
    function _buildActions(Scenario memory sc)
        internal
        view
        returns (IntentEscrow.Action[] memory releases, IntentEscrow.Action[] memory actions)
    {
        releases = new IntentEscrow.Action[](sc.ids.length);
        actions = new IntentEscrow.Action[](sc.ids.length + sc.payoutCount + 1);
        uint256 r;
        uint256 n;
        for (uint256 i = 0; i < sc.ids.length; ++i) {
            if (sc.fate[i] == 1) {
                releases[r++] = _release(sc.ids[i]);
                sc.pool += sc.amounts[i];
            }
        }
        assembly {
            mstore(releases, r)
        }
        for (uint256 i = 0; i < sc.ids.length; ++i) {
            if (sc.fate[i] == 2) actions[n++] = _refund(sc.ids[i]);
        }
        for (uint256 i = 0; i < sc.payoutCount; ++i) {
            uint256 amount = bound(uint256(keccak256(abi.encode(sc.seed, "payout", i))), 0, sc.pool);
            sc.pool -= amount;
            actions[n++] = _payout(keccak256(abi.encode(sc.seed, "source", i)), address(uint160(0x9000 + i)), amount);
        }
        sc.withdrawn = bound(uint256(keccak256(abi.encode(sc.seed, "withdraw"))), 0, sc.pool);
        sc.pool -= sc.withdrawn;
        actions[n++] = _withdraw(lp, sc.withdrawn);
        assembly {
            mstore(actions, n) // drop the unused tail
        }
    }

    function _checkOutcome(Scenario memory sc) internal view {
        uint256 stillEscrowed;
        for (uint256 i = 0; i < sc.ids.length; ++i) {
            uint8 expected = sc.fate[i] == 0 ? 1 : sc.fate[i] == 1 ? 2 : 3;
            assertEq(escrow.intentStatus(sc.ids[i]), expected, "status");
            if (sc.fate[i] == 0) stillEscrowed += sc.amounts[i];
            uint256 refunded = sc.fate[i] == 2 ? sc.amounts[i] : 0;
            assertEq(token.balanceOf(address(uint160(0x5000 + i))), refunded, "depositor balance");
        }
        for (uint256 i = 0; i < sc.payoutCount; ++i) {
            assertTrue(escrow.isPaid(keccak256(abi.encode(sc.seed, "source", i))), "paid marker");
        }
        assertEq(escrow.poolBalance(address(token)), sc.pool, "pool matches model");
        assertEq(token.balanceOf(address(escrow)), stillEscrowed + sc.pool, "balance = escrowed + pool");
        assertEq(token.balanceOf(lp), sc.withdrawn, "withdrawn");
    }

    function testFuzz_FeeOnTransfer_CreditsExactlyWhatArrived(uint16 feeBps, uint256 amount) public {
        feeBps = uint16(bound(feeBps, 0, 9_999));
        amount = bound(amount, 10_000, type(uint128).max);
        FeeOnTransferToken fee = new FeeOnTransferToken(feeBps);
        _registerToken(address(fee));
        bytes32 id = _openWith(alice, _params(address(fee), amount));
        (,, uint256 stored,,) = escrow.intentOf(id);
        assertEq(stored, fee.balanceOf(address(escrow)), "credited = arrived");
        assertEq(stored, amount - amount * feeBps / 10_000, "fee deducted");
    }
}
