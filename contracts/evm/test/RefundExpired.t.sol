// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {EscrowFixture} from "./base/EscrowFixture.sol";
import {IntentEscrow} from "../src/IntentEscrow.sol";

contract RefundExpiredTest is EscrowFixture {
    bytes32 internal id;
    uint256 internal refundableAt;

    function setUp() public override {
        super.setUp();
        id = _open(alice, 4_000);
        (,,, uint64 deadline,) = escrow.intentOf(id);
        refundableAt = uint256(deadline) + GRACE + 1; // the first second after the Release window
    }

    function test_RefundExpired_AfterDeadlinePlusGrace_AnyoneReturnsFunds() public {
        vm.warp(refundableAt);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IntentEscrow.IntentRefunded(id, 0);
        vm.prank(bob); // not the depositor: anyone may trigger it
        escrow.refundExpired(id);
        assertEq(token.balanceOf(alice), 4_000, "back to the depositor");
        assertEq(token.balanceOf(bob), 0, "caller gets nothing");
        assertEq(escrow.intentStatus(id), 3, "Refunded");
    }

    function test_RefundExpired_TooEarly_Reverts() public {
        vm.warp(refundableAt - 1);
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.RefundTooEarly.selector, id, refundableAt));
        escrow.refundExpired(id);
    }

    function test_RefundExpired_BeforeDeadline_Reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.RefundTooEarly.selector, id, refundableAt));
        escrow.refundExpired(id);
    }

    function test_RefundExpired_Twice_Reverts() public {
        vm.warp(refundableAt);
        escrow.refundExpired(id);
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.IntentNotOpen.selector, id, uint8(3)));
        escrow.refundExpired(id);
    }

    function test_RefundExpired_ReleasedIntent_Reverts() public {
        _settle(1, _one(_release(id)));
        vm.warp(refundableAt);
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.IntentNotOpen.selector, id, uint8(2)));
        escrow.refundExpired(id);
    }

    function test_RefundExpired_UnknownIntent_Reverts() public {
        bytes32 unknown = keccak256("unknown");
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.IntentNotOpen.selector, unknown, uint8(0)));
        escrow.refundExpired(unknown);
    }

    function test_RefundExpired_WhilePaused_StillWorks() public {
        vm.prank(owner);
        escrow.pause();
        vm.warp(refundableAt);
        escrow.refundExpired(id);
        assertEq(token.balanceOf(alice), 4_000, "refunded while paused");
    }

    function test_RefundExpired_LargeAmount_ReturnsAll() public {
        uint256 big = uint256(type(uint88).max) + 12345;
        bytes32 bigId = _open(bob, big);
        vm.warp(refundableAt);
        escrow.refundExpired(bigId);
        assertEq(token.balanceOf(bob), big, "full large amount");
    }

    function test_RefundExpired_AfterSettlementRefund_Reverts() public {
        _settle(1, _one(_refund(id)));
        vm.warp(refundableAt);
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.IntentNotOpen.selector, id, uint8(3)));
        escrow.refundExpired(id);
        assertEq(token.balanceOf(alice), 4_000, "refunded once only");
    }
}
