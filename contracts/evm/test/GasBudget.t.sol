// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {EscrowFixture} from "./base/EscrowFixture.sol";
import {console} from "./base/Test.sol";
import {IntentEscrow} from "../src/IntentEscrow.sol";

/// The relayer plans chunks with fixed gas per action (Adapters.Evm options: GasPerRelease 15,000,
/// GasPerAction 70,000 per Refund/Payout/Withdraw, SettleBaseGas 120,000). These tests keep the
/// contract within those figures in its worst cases, measured as execution gas of one settle call
/// (calldata and the 21k intrinsic cost come on top; the planner's margins cover them).
contract GasBudgetTest is EscrowFixture {
    uint256 internal constant GAS_PER_RELEASE = 15_000;
    uint256 internal constant GAS_PER_TRANSFER = 70_000;
    uint256 internal constant N = 40;

    function _perAction(uint64 epochId, IntentEscrow.Action[] memory actions) internal returns (uint256) {
        bytes32 root = keccak256("r");
        bytes[] memory sigs = _sigs(epochId, 0, root, actions, THRESHOLD);
        // Set-up ran in this same transaction: make the escrow's and the token's storage cold again,
        // as in a real settle transaction.
        vm.cool(address(escrow));
        vm.cool(address(token));
        uint256 before = gasleft();
        escrow.settle(epochId, 0, root, actions, sigs);
        return (before - gasleft()) / actions.length;
    }

    function test_GasBudget_ReleasesOfFreshIntents_WithinGasPerRelease() public {
        IntentEscrow.Action[] memory actions = new IntentEscrow.Action[](N);
        for (uint256 i = 0; i < N; ++i) {
            actions[i] = _release(_open(address(uint160(0x4000 + i)), 1_000 + i));
        }
        uint256 per = _perAction(1, actions);
        console.log("execution gas per Release", per);
        assertLe(per, GAS_PER_RELEASE, "Release over the planner's GasPerRelease");
    }

    /// Worst transfer: a Payout or Withdraw to a fresh, blocklisted account (fresh paid/withdraw
    /// marker, failed transfer, fresh claim).
    function test_GasBudget_TransfersThatBecomeClaims_WithinGasPerAction() public {
        _fund(1e12);
        IntentEscrow.Action[] memory actions = new IntentEscrow.Action[](N);
        for (uint256 i = 0; i < N; ++i) {
            address to = address(uint160(0x5000 + i));
            token.setBlocked(to, true);
            actions[i] = i % 2 == 0 ? _payout(keccak256(abi.encode(i)), to, 1_000 + i) : _withdraw(to, 1_000 + i);
        }
        uint256 per = _perAction(2, actions);
        console.log("execution gas per claimed transfer", per);
        assertLe(per, GAS_PER_TRANSFER, "transfer over the planner's GasPerAction");
        assertEq(escrow.totalClaims(address(token)) > 0, true, "the claim path ran");
    }

    function test_GasBudget_PayoutsToFreshRecipients_WithinGasPerAction() public {
        _fund(1e12);
        IntentEscrow.Action[] memory actions = new IntentEscrow.Action[](N);
        for (uint256 i = 0; i < N; ++i) {
            actions[i] = _payout(keccak256(abi.encode("fresh", i)), address(uint160(0x6000 + i)), 1_000 + i);
        }
        uint256 per = _perAction(3, actions);
        console.log("execution gas per Payout", per);
        assertLe(per, GAS_PER_TRANSFER, "Payout over the planner's GasPerAction");
    }
}
