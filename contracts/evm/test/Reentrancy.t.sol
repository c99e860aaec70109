// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {EscrowFixture} from "./base/EscrowFixture.sol";
import {IntentEscrow} from "../src/IntentEscrow.sol";
import {ReentrantToken} from "../src/test-tokens/ReentrantToken.sol";

/// A token whose transfer hook calls back into the escrow must not get a second payout or refund.
contract ReentrancyTest is EscrowFixture {
    bytes4 internal constant REENTRANT_CALL = bytes4(keccak256("ReentrancyGuardReentrantCall()"));
    bytes32 internal constant SOURCE = keccak256("source");

    ReentrantToken internal evil;

    function setUp() public override {
        super.setUp();
        evil = new ReentrantToken();
        _registerToken(address(evil));
    }

    function _openEvil(address user, uint256 amount) internal returns (bytes32) {
        return _openWith(user, _params(address(evil), amount));
    }

    /// The re-entered refundExpired is refused; the refund's own transfer thus fails and becomes
    /// alice's claim (v2: a failed delivery never reverts), so she is refunded exactly once.
    function test_RefundExpired_TokenReentersRefund_RefusedAndRefundedOnceAsClaim() public {
        bytes32 id = _openEvil(alice, 1_000);
        evil.mint(address(escrow), 1_000); // extra balance a double refund would steal
        vm.warp(block.timestamp + 2 days);
        evil.arm(address(escrow), abi.encodeCall(IntentEscrow.refundExpired, (id)));
        escrow.refundExpired(id);
        assertEq(escrow.intentStatus(id), 3, "Refunded");
        assertEq(escrow.claimable(address(evil), alice), 1_000, "held as alice's claim");
        evil.disarm(); // the failed transfer also undid the token's own disarming
        vm.prank(alice);
        escrow.claim(address(evil), alice);
        assertEq(evil.balanceOf(alice), 1_000, "refunded once");
        assertEq(evil.balanceOf(address(escrow)), 1_000, "the extra balance stays");
    }

    function test_Settle_TokenReentersSettle_RefusedAndSecondChunkNotApplied() public {
        evil.mint(address(this), 1_000);
        evil.approve(address(escrow), 1_000);
        escrow.fund(address(evil), 1_000);
        IntentEscrow.Action[] memory first = _one(IntentEscrow.Action(2, SOURCE, _b32(address(evil)), _b32(bob), 100));
        IntentEscrow.Action[] memory second =
            _one(IntentEscrow.Action(2, keccak256("other"), _b32(address(evil)), _b32(bob), 100));
        bytes[] memory sigs1 = _sigs(1, 0, bytes32(0), first, 2);
        bytes[] memory sigs2 = _sigs(1, 1, bytes32(0), second, 2);
        evil.arm(address(escrow), abi.encodeCall(IntentEscrow.settle, (1, 1, bytes32(0), second, sigs2)));
        escrow.settle(1, 0, bytes32(0), first, sigs1);
        assertFalse(escrow.isApplied(1, 1), "the re-entered chunk did not apply");
        assertEq(evil.balanceOf(bob), 0, "no transfer happened");
        assertEq(escrow.claimable(address(evil), bob), 100, "the payout is bob's claim");
        assertEq(escrow.poolBalance(address(evil)), 900, "pool debited once");
    }

    function test_Open_TokenReentersOpen_Reverts() public {
        IntentEscrow.IntentParams memory p = _params(address(evil), 500);
        evil.mint(alice, 1_000);
        vm.prank(alice);
        evil.approve(address(escrow), 1_000);
        evil.arm(address(escrow), abi.encodeCall(IntentEscrow.open, (p)));
        vm.expectRevert(REENTRANT_CALL);
        vm.prank(alice);
        escrow.open(p);
        assertEq(escrow.nonce(), 0, "no intent");
    }

    function test_Settle_TokenReentersRefundDuringRefundAction_RefundedOnce() public {
        bytes32 id = _openEvil(alice, 1_000);
        evil.mint(address(escrow), 1_000);
        vm.warp(block.timestamp + 2 days);
        IntentEscrow.Action[] memory refund = _one(IntentEscrow.Action(1, id, _b32(address(evil)), bytes32(0), 0));
        bytes[] memory sigs = _sigs(1, 0, bytes32(0), refund, 2);
        evil.arm(address(escrow), abi.encodeCall(IntentEscrow.refundExpired, (id)));
        escrow.settle(1, 0, bytes32(0), refund, sigs);
        assertEq(escrow.claimable(address(evil), alice), 1_000, "one refund, held as a claim");
        evil.disarm(); // the failed transfer also undid the token's own disarming
        vm.prank(alice);
        escrow.claim(address(evil), alice);
        assertEq(evil.balanceOf(alice), 1_000, "refunded once");
        assertEq(evil.balanceOf(address(escrow)), 1_000, "the extra balance stays");
    }
}
