// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Test-only ERC-20 whose outgoing transfers can be switched to misbehave after deposits:
/// revert on every transfer, or return false without moving anything. Anyone can mint and switch.
/// Never deploy to a real network.
contract PoisonToken is ERC20 {
    enum Mode {
        Normal,
        Revert,
        ReturnFalse
    }

    Mode public mode;

    error Poisoned();

    constructor() ERC20("Poison", "PSN") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setMode(Mode mode_) external {
        mode = mode_;
    }

    function transfer(address to, uint256 amount) public override returns (bool) {
        if (mode == Mode.Revert) revert Poisoned();
        if (mode == Mode.ReturnFalse) return false;
        return super.transfer(to, amount);
    }
}
