// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {EscrowFixture} from "./base/EscrowFixture.sol";
import {IntentEscrow} from "../src/IntentEscrow.sol";
import {TestToken} from "../src/test-tokens/TestToken.sol";

contract SettleTest is EscrowFixture {
    bytes32 internal constant SOURCE = keccak256("source intent on another chain");

    function test_Settle_Release_MovesInputIntoPool() public {
        bytes32 id = _open(alice, 1_000);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IntentEscrow.IntentReleased(id, 7);
        _settle(7, _one(_release(id)));
        assertEq(escrow.intentStatus(id), 2, "Released");
        assertEq(escrow.poolBalance(address(token)), 1_000, "input now in pool");
        assertEq(token.balanceOf(address(escrow)), 1_000, "funds stay in escrow");
        assertTrue(escrow.isApplied(7, 0), "applied");
    }

    function test_Settle_Refund_ReturnsInputToDepositor() public {
        bytes32 id = _open(alice, 1_000);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IntentEscrow.IntentRefunded(id, 7);
        _settle(7, _one(_refund(id)));
        assertEq(escrow.intentStatus(id), 3, "Refunded");
        assertEq(token.balanceOf(alice), 1_000, "alice refunded");
        assertEq(token.balanceOf(address(escrow)), 0, "escrow empty");
        assertEq(escrow.poolBalance(address(token)), 0, "pool untouched");
    }

    function test_Settle_Payout_PaysRecipientFromPool() public {
        _fund(5_000);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IntentEscrow.PayoutMade(SOURCE, _b32(bob), address(token), 1_200, 9);
        _settle(9, _one(_payout(SOURCE, bob, 1_200)));
        assertEq(token.balanceOf(bob), 1_200, "bob paid");
        assertEq(escrow.poolBalance(address(token)), 3_800, "pool debited");
        assertTrue(escrow.isPaid(SOURCE), "paid marker");
    }

    function test_Settle_Withdraw_SendsPoolLiquidity() public {
        _fund(5_000);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IntentEscrow.PoolWithdrawn(address(token), lp, 2_000, 4);
        _settle(4, _one(_withdraw(lp, 2_000)));
        assertEq(token.balanceOf(lp), 2_000, "lp got liquidity back");
        assertEq(escrow.poolBalance(address(token)), 3_000, "pool debited");
    }

    function test_Settle_ReleaseThenPayout_NetsAcrossChunks() public {
        bytes32 id = _open(alice, 1_000);
        // Empty pool: the payout is funded by the release applied in the epoch's Release chunk.
        _settle(3, 0, _one(_release(id)));
        _settle(3, 1, _one(_payout(SOURCE, bob, 990)));
        assertEq(token.balanceOf(bob), 990, "paid from the released input");
        assertEq(escrow.poolBalance(address(token)), 10, "spread stays in pool");
    }

    function test_Settle_EmitsLegAppliedWithChunkHash() public {
        bytes32 id = _open(alice, 1_000);
        IntentEscrow.Action[] memory actions = _one(_release(id));
        bytes32 root = keccak256("root");
        bytes32 leaf = keccak256(
            abi.encode(uint64(block.chainid), uint64(5), uint8(0), id, _b32(address(token)), bytes32(0), uint256(0))
        );
        bytes32 expectedChunkHash = keccak256(abi.encodePacked(leaf));
        assertEq(escrow.leafHash(5, actions[0]), leaf, "leafHash view");
        assertEq(escrow.chunkHash(5, actions), expectedChunkHash, "chunkHash view");
        bytes[] memory sigs = _sigs(5, 2, root, actions, 2);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IntentEscrow.LegApplied(5, 2, expectedChunkHash, root, 1);
        escrow.settle(5, 2, root, actions, sigs);
    }

    function test_Settle_SeveralChunksOfOneEpoch_EachAppliesOnce() public {
        bytes32 a = _open(alice, 100);
        bytes32 b = _open(alice, 200);
        _settle(8, 0, _one(_release(a)));
        _settle(8, 1, _one(_release(b)));
        _settle(8, 256, _one(_payout(SOURCE, bob, 300)));
        assertTrue(escrow.isApplied(8, 0) && escrow.isApplied(8, 1) && escrow.isApplied(8, 256), "applied");
        assertFalse(escrow.isApplied(8, 2), "chunk 2 not applied");
        assertFalse(escrow.isApplied(9, 0), "other epoch not applied");
        assertEq(escrow.poolBalance(address(token)), 0, "pool");
    }

    function test_Settle_ReplayedEpochChunk_Reverts() public {
        bytes32 a = _open(alice, 100);
        bytes32 b = _open(alice, 100);
        _settle(8, 3, _one(_release(a)));
        // Even a different action list cannot reuse (8, 3).
        IntentEscrow.Action[] memory other = _one(_release(b));
        bytes[] memory sigs = _sigs(8, 3, bytes32(0), other, 2);
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.ChunkAlreadyApplied.selector, uint64(8), uint32(3)));
        escrow.settle(8, 3, bytes32(0), other, sigs);
    }

    function test_Settle_EmptyChunk_Reverts() public {
        IntentEscrow.Action[] memory none = new IntentEscrow.Action[](0);
        bytes[] memory sigs = _sigs(1, 0, bytes32(0), none, 2);
        vm.expectRevert(IntentEscrow.EmptyChunk.selector);
        escrow.settle(1, 0, bytes32(0), none, sigs);
    }

    function test_Settle_ReleaseOfReleasedIntent_Reverts() public {
        bytes32 id = _open(alice, 100);
        _settle(1, _one(_release(id)));
        IntentEscrow.Action[] memory again = _one(_release(id));
        bytes[] memory sigs = _sigs(2, 0, keccak256(abi.encode("root", uint64(2))), again, 2);
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.IntentNotOpen.selector, id, uint8(2)));
        escrow.settle(2, 0, keccak256(abi.encode("root", uint64(2))), again, sigs);
    }

    function test_Settle_RefundOfReleasedIntent_Reverts() public {
        bytes32 id = _open(alice, 100);
        _settle(1, _one(_release(id)));
        _expectSettleRevert(2, _one(_refund(id)), abi.encodeWithSelector(IntentEscrow.IntentNotOpen.selector, id, uint8(2)));
    }

    function test_Settle_ReleaseOfRefundedIntent_Reverts() public {
        bytes32 id = _open(alice, 100);
        _settle(1, _one(_refund(id)));
        _expectSettleRevert(2, _one(_release(id)), abi.encodeWithSelector(IntentEscrow.IntentNotOpen.selector, id, uint8(3)));
    }

    function test_Settle_ReleaseOfUnknownIntent_Reverts() public {
        bytes32 id = keccak256("never opened");
        _expectSettleRevert(1, _one(_release(id)), abi.encodeWithSelector(IntentEscrow.IntentNotOpen.selector, id, uint8(0)));
    }

    function test_Settle_RefundOfUnknownIntent_Reverts() public {
        bytes32 id = keccak256("never opened");
        _expectSettleRevert(1, _one(_refund(id)), abi.encodeWithSelector(IntentEscrow.IntentNotOpen.selector, id, uint8(0)));
    }

    function test_Settle_SecondPayoutSameSourceIntent_Reverts() public {
        _fund(5_000);
        _settle(1, _one(_payout(SOURCE, bob, 100)));
        _expectSettleRevert(2, _one(_payout(SOURCE, alice, 100)), abi.encodeWithSelector(IntentEscrow.AlreadyPaid.selector, SOURCE));
    }

    function test_Settle_DuplicatePayoutInOneChunk_Reverts() public {
        _fund(5_000);
        _expectSettleRevert(
            1,
            _two(_payout(SOURCE, bob, 100), _payout(SOURCE, bob, 100)),
            abi.encodeWithSelector(IntentEscrow.AlreadyPaid.selector, SOURCE)
        );
    }

    function test_Settle_PayoutBeyondPool_Reverts() public {
        _fund(500);
        _expectSettleRevert(
            1,
            _one(_payout(SOURCE, bob, 501)),
            abi.encodeWithSelector(IntentEscrow.InsufficientPool.selector, address(token), uint256(500), uint256(501))
        );
    }

    function test_Settle_PayoutCannotTouchEscrowedFunds_Reverts() public {
        _open(alice, 10_000); // Open intent's funds are in the contract but not in the pool
        _expectSettleRevert(
            1,
            _one(_payout(SOURCE, bob, 1)),
            abi.encodeWithSelector(IntentEscrow.InsufficientPool.selector, address(token), uint256(0), uint256(1))
        );
    }

    function test_Settle_WithdrawBeyondPool_Reverts() public {
        _fund(500);
        _expectSettleRevert(
            1,
            _one(_withdraw(lp, 501)),
            abi.encodeWithSelector(IntentEscrow.InsufficientPool.selector, address(token), uint256(500), uint256(501))
        );
    }

    function test_Settle_PayoutTokenWithDirtyUpperBytes_Reverts() public {
        _fund(500);
        IntentEscrow.Action memory a = _payout(SOURCE, bob, 1);
        a.token = bytes32(uint256(a.token) | (uint256(1) << 200));
        _expectSettleRevert(1, _one(a), abi.encodeWithSelector(IntentEscrow.InvalidAddress.selector, a.token));
    }

    function test_Settle_PayoutAccountWithDirtyUpperBytes_Reverts() public {
        _fund(500);
        IntentEscrow.Action memory a = _payout(SOURCE, bob, 1);
        a.account = bytes32(uint256(a.account) | (uint256(1) << 255));
        _expectSettleRevert(1, _one(a), abi.encodeWithSelector(IntentEscrow.InvalidAddress.selector, a.account));
    }

    function test_Settle_WithdrawAccountWithDirtyUpperBytes_Reverts() public {
        _fund(500);
        IntentEscrow.Action memory a = _withdraw(lp, 1);
        a.account = bytes32(uint256(a.account) | (uint256(0xff) << 160));
        _expectSettleRevert(1, _one(a), abi.encodeWithSelector(IntentEscrow.InvalidAddress.selector, a.account));
    }

    function test_Settle_PayoutToZeroAccount_Reverts() public {
        _fund(500);
        _expectSettleRevert(1, _one(_payout(SOURCE, address(0), 1)), abi.encodeWithSelector(IntentEscrow.ZeroRecipient.selector));
    }

    function test_Settle_UnknownActionKind_Reverts() public {
        IntentEscrow.Action memory a = _release(keccak256("x"));
        a.kind = 4;
        _expectSettleRevert(1, _one(a), abi.encodeWithSelector(IntentEscrow.UnknownActionKind.selector, uint8(4)));
    }

    function test_Settle_FailingActionRevertsWholeChunk() public {
        bytes32 id = _open(alice, 100);
        _fund(50);
        _settle(1, 0, _one(_release(id)));
        // The first payout would succeed, the second overdraws the pool: nothing may stick.
        bytes32 other = keccak256("other source");
        _expectSettleRevert(
            2,
            _two(_payout(other, bob, 1), _payout(SOURCE, bob, 150)),
            abi.encodeWithSelector(IntentEscrow.InsufficientPool.selector, address(token), uint256(149), uint256(150))
        );
        assertFalse(escrow.isPaid(other), "first payout rolled back");
        assertEq(token.balanceOf(bob), 0, "nothing paid");
        assertFalse(escrow.isApplied(2, 0), "not applied");
    }

    function test_Settle_TwoTokens_PoolsKeptApart() public {
        TestToken other = new TestToken("Wrapped Ether", "WETH", 18);
        _registerToken(address(other));
        bytes32 id = _openWith(alice, _params(address(other), 1 ether));
        IntentEscrow.Action memory r = IntentEscrow.Action(0, id, _b32(address(other)), bytes32(0), 0);
        _settle(1, _one(r));
        assertEq(escrow.poolBalance(address(other)), 1 ether, "WETH pool");
        assertEq(escrow.poolBalance(address(token)), 0, "USDC pool");
        _expectSettleRevert(
            2,
            _one(_payout(SOURCE, bob, 1)),
            abi.encodeWithSelector(IntentEscrow.InsufficientPool.selector, address(token), uint256(0), uint256(1))
        );
    }

    function test_Settle_ReleasesOfInterleavedTokens_CreditEachPool() public {
        TestToken other = new TestToken("Wrapped Ether", "WETH", 18);
        _registerToken(address(other));
        bytes32 a = _open(alice, 100);
        bytes32 b = _openWith(alice, _params(address(other), 7 ether));
        bytes32 c = _open(bob, 250);
        IntentEscrow.Action[] memory actions = new IntentEscrow.Action[](3);
        actions[0] = _release(a);
        actions[1] = IntentEscrow.Action(0, b, _b32(address(other)), bytes32(0), 0);
        actions[2] = _release(c);
        _settle(1, 0, actions);
        _settle(1, 1, _one(_payout(SOURCE, bob, 350))); // needs both USDC releases credited
        assertEq(escrow.poolBalance(address(token)), 0, "USDC pool: 100 + 250 - 350");
        assertEq(escrow.poolBalance(address(other)), 7 ether, "WETH pool");
        assertEq(token.balanceOf(bob), 350, "paid");
    }

    function test_Settle_ReleaseUsesStoredTokenAndAmountNotActionFields() public {
        bytes32 id = _open(alice, 100);
        // Token, account and amount of a Release are only signed, never trusted.
        IntentEscrow.Action memory r = IntentEscrow.Action(0, id, _b32(address(0xBAD)), _b32(bob), 1e30);
        _settle(1, _one(r));
        assertEq(escrow.poolBalance(address(token)), 100, "stored amount, stored token");
        assertEq(escrow.poolBalance(address(0xBAD)), 0, "action token ignored");
    }

    function test_Settle_ReleaseAndRefundOfLargeAmounts_MoveFullAmount() public {
        uint256 big = uint256(type(uint88).max) + 5;
        bytes32 a = _open(alice, big);
        bytes32 b = _open(bob, big + 1);
        _settle(1, 0, _one(_release(a)));
        _settle(1, 1, _one(_refund(b)));
        assertEq(escrow.poolBalance(address(token)), big, "released in full");
        assertEq(token.balanceOf(bob), big + 1, "refunded in full");
        (,, uint256 stored,,) = escrow.intentOf(a);
        assertEq(stored, big, "intentOf after release");
    }

    function test_Settle_WhenPaused_Reverts() public {
        bytes32 id = _open(alice, 100);
        vm.prank(owner);
        escrow.pause();
        _expectSettleRevert(1, _one(_release(id)), abi.encodeWithSelector(bytes4(keccak256("EnforcedPause()"))));
        vm.prank(owner);
        escrow.unpause();
        _settle(1, _one(_release(id)));
        assertEq(escrow.intentStatus(id), 2, "Released after unpause");
    }

    function _expectSettleRevert(uint64 epochId, IntentEscrow.Action[] memory actions, bytes memory err) internal {
        bytes32 root = keccak256(abi.encode("root", epochId));
        bytes[] memory sigs = _sigs(epochId, 0, root, actions, THRESHOLD);
        vm.expectRevert(err);
        escrow.settle(epochId, 0, root, actions, sigs);
    }
}
