// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {EscrowFixture} from "./base/EscrowFixture.sol";
import {IntentEscrow} from "../src/IntentEscrow.sol";
import {FeeOnTransferToken} from "../src/test-tokens/FeeOnTransferToken.sol";

/// Policy: open and fund credit what actually arrived (balance delta), never the requested amount.
contract FeeOnTransferTest is EscrowFixture {
    FeeOnTransferToken internal fee; // 1% burnt on every transfer

    function setUp() public override {
        super.setUp();
        fee = new FeeOnTransferToken(100);
        _registerToken(address(fee));
    }

    function _openFee(address user, uint256 amount) internal returns (bytes32) {
        return _openWith(user, _params(address(fee), amount));
    }

    function test_Open_FeeToken_IntentHoldsReceivedAmount() public {
        IntentEscrow.IntentParams memory p = _params(address(fee), 10_000);
        fee.mint(alice, 10_000);
        vm.prank(alice);
        fee.approve(address(escrow), 10_000);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IntentEscrow.IntentOpened(
            escrow.intentIdOf(0), alice, DEST, 0, address(fee), 9_900, p.outputToken, p.minOutputAmount, p.recipient, p.fillDeadline
        );
        vm.prank(alice);
        bytes32 id = escrow.open(p);
        (,, uint256 amount,,) = escrow.intentOf(id);
        assertEq(amount, 9_900, "credited what arrived");
        assertEq(fee.balanceOf(address(escrow)), 9_900, "balance");
    }

    function test_Fund_FeeToken_PoolCreditedWithReceived() public {
        fee.mint(lp, 10_000);
        vm.startPrank(lp);
        fee.approve(address(escrow), 10_000);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IntentEscrow.PoolFunded(address(fee), lp, 9_900);
        escrow.fund(address(fee), 10_000);
        vm.stopPrank();
        assertEq(escrow.poolBalance(address(fee)), 9_900, "pool");
        assertEq(fee.balanceOf(address(escrow)), 9_900, "balance equals pool");
    }

    function test_ReleaseThenPayout_FeeToken_AccountingExact() public {
        bytes32 id = _openFee(alice, 10_000); // 9_900 arrives
        _settle(1, 0, _one(IntentEscrow.Action(0, id, _b32(address(fee)), bytes32(0), 0)));
        _settle(1, 1, _one(IntentEscrow.Action(2, keccak256("src"), _b32(address(fee)), _b32(bob), 9_900)));
        assertEq(escrow.poolBalance(address(fee)), 0, "pool drained exactly");
        assertEq(fee.balanceOf(address(escrow)), 0, "no residue, no deficit");
        assertEq(fee.balanceOf(bob), 9_801, "recipient bears the token's own fee");
    }

    function test_RefundExpired_FeeToken_ReturnsEverythingHeld() public {
        bytes32 id = _openFee(alice, 10_000);
        vm.warp(block.timestamp + 2 days);
        escrow.refundExpired(id);
        assertEq(fee.balanceOf(address(escrow)), 0, "escrow empty");
        assertEq(fee.balanceOf(alice), 9_801, "depositor gets the held amount less the token fee");
    }

    function test_Open_TokenThatDeliversNothing_Reverts() public {
        FeeOnTransferToken burnAll = new FeeOnTransferToken(10_000);
        _registerToken(address(burnAll));
        IntentEscrow.IntentParams memory p = _params(address(burnAll), 10_000);
        burnAll.mint(alice, 10_000);
        vm.prank(alice);
        burnAll.approve(address(escrow), 10_000);
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.NothingReceived.selector, address(burnAll)));
        vm.prank(alice);
        escrow.open(p);
    }
}
