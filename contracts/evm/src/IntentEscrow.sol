// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @title IntentEscrow
/// @notice DiscreteExec escrow, protocol v2 (settlement safety; see contracts/evm/README.md).
/// Users lock intents in registered tokens with `open`; a threshold of the current relayer signer
/// set applies each (epoch, chunk) of a settlement leg once with `settle`; a Release applies only
/// until `fillDeadline + grace` and `refundExpired` only after it; a transfer that cannot be
/// delivered becomes a claim instead of reverting its chunk; the signer set changes only by a
/// threshold of itself, after a delay. The owner can pause, register tokens and destinations and
/// hand its role over in two steps; it cannot move funds or change signers.
/// @dev Tokens are credited with what actually arrived (balance delta), so fee-on-transfer tokens
/// keep the accounting exact. Tokens that take more than `amount` from the sender on an outgoing
/// transfer, or that rebase, are not supported.
contract IntentEscrow is EIP712, Ownable2Step, Pausable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    // ---------------------------------------------------------------- interface types

    struct IntentParams {
        address inputToken;
        uint256 inputAmount;
        uint64 destinationChainId;
        bytes32 outputToken;
        uint256 minOutputAmount;
        bytes32 recipient;
        uint64 fillDeadline;
    }

    /// kind: 0 Release, 1 Refund, 2 Payout (intentId = the source intent on its origin chain), 3 Withdraw
    struct Action {
        uint8 kind;
        bytes32 intentId;
        bytes32 token;
        bytes32 account;
        uint256 amount;
    }

    uint8 public constant STATUS_NONE = 0;
    uint8 public constant STATUS_OPEN = 1;
    uint8 public constant STATUS_RELEASED = 2;
    uint8 public constant STATUS_REFUNDED = 3;

    uint8 public constant KIND_RELEASE = 0;
    uint8 public constant KIND_REFUND = 1;
    uint8 public constant KIND_PAYOUT = 2;
    uint8 public constant KIND_WITHDRAW = 3;

    /// @notice EIP-712 type hash of `Leg(uint64 epochId,uint32 chunk,bytes32 chunkHash,bytes32 batchRoot,uint64 signerSetVersion)`.
    bytes32 public constant LEG_TYPEHASH =
        keccak256("Leg(uint64 epochId,uint32 chunk,bytes32 chunkHash,bytes32 batchRoot,uint64 signerSetVersion)");

    /// @notice EIP-712 type hash of `SignerSet(uint64 version,address[] signers,uint8 threshold,uint64 activatesAt)`.
    bytes32 public constant SIGNER_SET_TYPEHASH =
        keccak256("SignerSet(uint64 version,address[] signers,uint8 threshold,uint64 activatesAt)");

    /// @notice Bounds of the refund grace period and of the signer-set activation delay, both fixed
    /// at deployment: at least an hour (time to react), at most 30 days (deposits and rotations
    /// must not be locked for longer than a month).
    uint64 public constant MIN_GRACE_SECONDS = 1 hours;
    uint64 public constant MAX_GRACE_SECONDS = 30 days;
    uint64 public constant MIN_SIGNER_SET_DELAY_SECONDS = 1 hours;
    uint64 public constant MAX_SIGNER_SET_DELAY_SECONDS = 30 days;

    /// @notice Signer indexes are bits of a uint256 (bit 0 unused), so at most 255 signers.
    uint256 public constant MAX_SIGNERS = 255;

    // ---------------------------------------------------------------- events

    event IntentOpened(
        bytes32 indexed intentId,
        address indexed depositor,
        uint64 indexed destinationChainId,
        uint64 nonce,
        address inputToken,
        uint256 inputAmount,
        bytes32 outputToken,
        uint256 minOutputAmount,
        bytes32 recipient,
        uint64 fillDeadline
    );
    event IntentReleased(bytes32 indexed intentId, uint64 indexed epochId);
    event IntentRefunded(bytes32 indexed intentId, uint64 indexed epochId); // epochId 0 for refundExpired
    event PayoutMade(bytes32 indexed sourceIntentId, bytes32 indexed recipient, address token, uint256 amount, uint64 epochId);
    event LegApplied(uint64 indexed epochId, uint32 chunk, bytes32 legHash, bytes32 batchRoot, uint256 actionCount);

    event PoolFunded(address indexed token, address indexed funder, uint256 amount);
    event PoolWithdrawn(address indexed token, address indexed to, uint256 amount, uint64 indexed epochId);
    event DestinationChainUpdated(uint64 indexed chainId, bool supported);
    event TokenRegistered(address indexed token, bool registered);

    /// A transfer of `amount` to `owner` could not be delivered (reverted, returned false, no code);
    /// `owner` collects it with `claim`. kind: the action (1 Refund incl. refundExpired, 2 Payout,
    /// 3 Withdraw); ref: the intent id (Refund, Payout) or the Withdraw's leaf hash.
    event ClaimCreated(address indexed token, address indexed owner, uint256 amount, uint8 kind, bytes32 indexed ref);
    event Claimed(address indexed token, address indexed owner, address to, uint256 amount);
    /// A Payout or Withdraw addressed to the escrow itself: applied (marker set) but nothing moves
    /// and the pool is not debited.
    event SelfTransferSkipped(uint8 kind, bytes32 indexed ref, address indexed token, uint256 amount);

    /// A threshold of the current set signed `version`; it becomes current from `activatesAt`
    /// once anyone calls `activateSignerSet`.
    event SignerSetProposed(uint64 indexed version, address[] signers, uint8 threshold, uint64 activatesAt);
    event SignerSetActivated(uint64 indexed version, address[] signers, uint8 threshold);

    // ---------------------------------------------------------------- errors

    error ZeroAmount();
    error ZeroToken();
    error ZeroRecipient();
    error DeadlineInPast(uint64 fillDeadline, uint256 blockTimestamp);
    error UnsupportedDestination(uint64 destinationChainId);
    error NothingReceived(address token);
    error EmptyChunk();
    error ChunkAlreadyApplied(uint64 epochId, uint32 chunk);
    error InsufficientSignatures(uint256 provided, uint256 threshold);
    error InvalidSignatureLength(uint256 index, uint256 length);
    error SignatureHighS(uint256 index);
    error InvalidSignature(uint256 index);
    error UnknownSigner(address signer);
    error DuplicateSigner(address signer);
    error UnknownActionKind(uint8 kind);
    error IntentNotOpen(bytes32 intentId, uint8 status);
    error AlreadyPaid(bytes32 sourceIntentId);
    error InsufficientPool(address token, uint256 available, uint256 requested);
    error InvalidAddress(bytes32 value);
    error RefundTooEarly(bytes32 intentId, uint256 refundableAt);
    error ZeroSigner();
    error DuplicateSignerInSet(address signer);
    error TooManySigners(uint256 count);
    error InvalidThreshold(uint8 threshold, uint256 signerCount);
    error InvalidDestination(uint64 chainId);
    error ChainIdTooLarge(uint256 chainId);
    error RenounceOwnershipDisabled();
    error TokenNotRegistered(address token);
    error MixedChunk();
    error ReleaseWindowClosed(bytes32 intentId, uint256 releasableUntil);
    error WithdrawAlreadyApplied(bytes32 leaf);
    error NothingToClaim(address token, address owner);
    error InvalidClaimDestination(address to);
    error GraceOutOfBounds(uint64 graceSeconds);
    error SignerSetDelayOutOfBounds(uint64 delaySeconds);
    error InvalidSignerSetVersion(uint64 version, uint64 expected);
    error ActivationTooEarly(uint64 activatesAt, uint256 earliest);
    error SignersNotAscending(uint256 index);
    error NoPendingSignerSet();
    error SignerSetNotActive(uint64 activatesAt);

    // ---------------------------------------------------------------- storage

    /// Two slots per intent. Slot A holds everything a Release reads and writes (amount, deadline for
    /// the Release window, the token as its registry index, status), so a Release costs one cold
    /// SLOAD and one warm SSTORE. Amounts of 2^152 - 1 or more live in `_largeAmounts`.
    struct Intent {
        uint152 packedAmount; // slot A bits 0-151: the amount, or LARGE_AMOUNT
        uint64 fillDeadline; // slot A bits 152-215
        uint32 tokenIndex; // slot A bits 216-247: see `_tokenInfo`
        uint8 status; // slot A bits 248-255
        address depositor; // slot B
    }

    uint152 private constant LARGE_AMOUNT = type(uint152).max;

    /// @notice Releases apply while `now <= fillDeadline + refundGraceSeconds`; `refundExpired` works after.
    uint64 public immutable refundGraceSeconds;

    /// @notice Minimum seconds between a signer-set proposal and its activation.
    uint64 public immutable signerSetDelaySeconds;

    // Packed by the compiler into the slot of Ownable2Step's pending owner and Pausable's flag,
    // which `open` and `settle` read anyway (checked by the storage-layout test).
    uint64 private _nonce;
    uint8 private _threshold;

    mapping(bytes32 intentId => Intent) private _intents;
    mapping(bytes32 intentId => uint256) private _largeAmounts;
    mapping(address token => uint256) private _pool;
    mapping(bytes32 sourceIntentId => bool) private _paid;
    /// bit (epochId & 255) of word (chunk << 56 | epochId >> 8): consecutive epochs share a word,
    /// so a settle usually updates a warm-able non-zero slot (5k gas) instead of a fresh one (22.1k).
    mapping(uint256 word => uint256 bits) private _appliedChunks;
    mapping(uint64 chainId => bool) private _destinations;
    address[] private _signers;
    mapping(address signer => uint256 oneBasedIndex) private _signerIndex;

    /// The version every leg signature names; read once per settle (its own slot: the hot slot is full).
    uint64 private _signerSetVersion;
    /// The highest version ever proposed (packed with `_signerSetVersion`). A proposal must take the next one, so a
    /// superseded proposal's signatures can never be replayed to reinstate it; activated versions may skip numbers.
    uint64 private _proposedVersion;
    /// Registry: bit 32 registered, bits 0-31 the token's index (from 1, kept when deregistered),
    /// so `open` reads one slot for both; `_tokenAt` maps an intent's index back to the token.
    mapping(address token => uint256 info) private _tokenInfo;
    mapping(uint32 index => address token) private _tokenAt;
    uint32 private _tokenCount;
    mapping(bytes32 withdrawLeaf => bool) private _withdrawn;
    mapping(address token => mapping(address owner => uint256)) private _claims;
    mapping(address token => uint256) private _claimTotal;

    struct PendingSignerSet {
        uint64 version; // 0: none
        uint64 activatesAt;
        uint8 threshold;
        address[] signers;
    }

    PendingSignerSet private _pending;

    // ---------------------------------------------------------------- constructor

    /// @param owner_ admin (pause, token and destination registries); ownership moves by Ownable2Step.
    /// @param refundGraceSeconds_ Release window after fillDeadline, then refundExpired; 1 hour..30 days.
    /// @param signerSetDelaySeconds_ minimum delay before a proposed signer set activates; 1 hour..30 days.
    /// @param signers_ the initial relayer signer set, version 1 (non-zero, distinct, at most 255).
    /// @param threshold_ signatures required per leg chunk and per signer-set change, 1..signers_.length.
    /// @param destinationChainIds_ destination chain ids accepted by `open` from the start.
    /// @param tokens_ tokens `open` and `fund` accept from the start.
    constructor(
        address owner_,
        uint64 refundGraceSeconds_,
        uint64 signerSetDelaySeconds_,
        address[] memory signers_,
        uint8 threshold_,
        uint64[] memory destinationChainIds_,
        address[] memory tokens_
    ) EIP712("DiscreteExec", "1") Ownable(owner_) {
        // Leaves encode the chain id as uint64 (docs/ARCHITECTURE.md); refuse a chain where that truncates.
        if (block.chainid > type(uint64).max) revert ChainIdTooLarge(block.chainid);
        if (refundGraceSeconds_ < MIN_GRACE_SECONDS || refundGraceSeconds_ > MAX_GRACE_SECONDS) {
            revert GraceOutOfBounds(refundGraceSeconds_);
        }
        if (signerSetDelaySeconds_ < MIN_SIGNER_SET_DELAY_SECONDS || signerSetDelaySeconds_ > MAX_SIGNER_SET_DELAY_SECONDS) {
            revert SignerSetDelayOutOfBounds(signerSetDelaySeconds_);
        }
        refundGraceSeconds = refundGraceSeconds_;
        signerSetDelaySeconds = signerSetDelaySeconds_;
        _setSigners(signers_, threshold_);
        _signerSetVersion = 1;
        _proposedVersion = 1;
        emit SignerSetActivated(1, signers_, threshold_);
        for (uint256 i = 0; i < destinationChainIds_.length; ++i) {
            _setDestinationChain(destinationChainIds_[i], true);
        }
        for (uint256 i = 0; i < tokens_.length; ++i) {
            _setToken(tokens_[i], true);
        }
    }

    // ---------------------------------------------------------------- user entry points

    /// @notice Locks `p.inputAmount` of `p.inputToken` (approve first) as a new Open intent.
    /// @dev The intent's amount is what actually arrived (fee-on-transfer tokens credit less).
    function open(IntentParams calldata p) external nonReentrant whenNotPaused returns (bytes32 intentId) {
        if (p.inputAmount == 0) revert ZeroAmount();
        if (p.inputToken == address(0)) revert ZeroToken();
        uint32 tokenIndex = _registeredIndex(p.inputToken);
        if (p.recipient == bytes32(0)) revert ZeroRecipient();
        // forge-lint: disable-next-line(block-timestamp) -- deadlines are seconds-granular by design
        if (p.fillDeadline <= block.timestamp) revert DeadlineInPast(p.fillDeadline, block.timestamp);
        if (!_destinations[p.destinationChainId]) revert UnsupportedDestination(p.destinationChainId);

        uint256 received = _pull(p.inputToken, p.inputAmount);

        uint64 n = _nonce;
        _nonce = n + 1;
        intentId = _intentId(n);

        _record(intentId, tokenIndex, received, p.fillDeadline);

        emit IntentOpened(
            intentId,
            msg.sender,
            p.destinationChainId,
            n,
            p.inputToken,
            received,
            p.outputToken,
            p.minOutputAmount,
            p.recipient,
            p.fillDeadline
        );
    }

    /// @notice Returns an Open intent to its depositor once its Release window has closed, i.e. from
    /// `fillDeadline + refundGraceSeconds + 1`. Anyone may call it, also while paused. A depositor
    /// the token refuses (e.g. blocklisted) gets a claim instead.
    function refundExpired(bytes32 intentId) external nonReentrant {
        Intent storage it = _intents[intentId];
        uint8 status = it.status;
        if (status != STATUS_OPEN) revert IntentNotOpen(intentId, status);
        uint256 refundableAt = uint256(it.fillDeadline) + refundGraceSeconds + 1;
        // forge-lint: disable-next-line(block-timestamp) -- deadlines are seconds-granular by design
        if (block.timestamp < refundableAt) revert RefundTooEarly(intentId, refundableAt);
        it.status = STATUS_REFUNDED;
        _deliverOrClaim(_tokenAt[it.tokenIndex], it.depositor, _amountOf(it, intentId), KIND_REFUND, intentId);
        emit IntentRefunded(intentId, 0);
    }

    /// @notice Adds pool liquidity in a registered token; the pool is credited with what actually arrived.
    function fund(address token, uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        if (token == address(0)) revert ZeroToken();
        _registeredIndex(token);
        uint256 received = _pull(token, amount);
        _pool[token] += received;
        emit PoolFunded(token, msg.sender, received);
    }

    /// @notice Sends the caller's whole claim in `token` to `to` (any account of the caller's choice).
    /// Works while paused. A transfer that fails reverts and leaves the claim in place.
    function claim(address token, address to) external nonReentrant returns (uint256 amount) {
        if (to == address(0) || to == address(this)) revert InvalidClaimDestination(to);
        amount = _claims[token][msg.sender];
        if (amount == 0) revert NothingToClaim(token, msg.sender);
        delete _claims[token][msg.sender];
        _claimTotal[token] -= amount;
        IERC20(token).safeTransfer(to, amount);
        emit Claimed(token, msg.sender, to, amount);
    }

    // ---------------------------------------------------------------- settlement

    /// @notice Applies one chunk of this chain's leg of an epoch's batch, at most once per (epoch, chunk).
    /// A chunk holds Releases only or transfers (Refund, Payout, Withdraw) only (`MixedChunk`).
    /// @param signatures 65-byte (r, s, v) EIP-712 signatures over `legDigest(...)` (which names the
    /// current signer-set version), from at least `threshold` distinct current signers, in any order.
    function settle(
        uint64 epochId,
        uint32 chunk,
        bytes32 batchRoot,
        Action[] calldata actions,
        bytes[] calldata signatures
    ) external nonReentrant whenNotPaused {
        if (actions.length == 0) revert EmptyChunk();
        (uint256 word, uint256 bit) = _appliedPosition(epochId, chunk);
        uint256 bits = _appliedChunks[word];
        if (bits & bit != 0) revert ChunkAlreadyApplied(epochId, chunk);

        bytes32 chunkHash_ = _chunkHash(epochId, actions);
        _verifySignatures(_legDigest(epochId, chunk, chunkHash_, batchRoot, _signerSetVersion), signatures);
        _appliedChunks[word] = bits | bit;

        if (actions[0].kind == KIND_RELEASE) {
            _releaseAll(epochId, actions);
        } else {
            _transferAll(epochId, actions);
        }
        emit LegApplied(epochId, chunk, chunkHash_, batchRoot, actions.length);
    }

    /// @notice The EIP-712 digest the current signer set signs for this chunk.
    function legDigest(
        uint64 epochId,
        uint32 chunk,
        bytes32 batchRoot,
        Action[] calldata actions
    ) external view returns (bytes32) {
        return _legDigest(epochId, chunk, _chunkHash(epochId, actions), batchRoot, _signerSetVersion);
    }

    /// @notice keccak256 of the chunk's leaves concatenated (docs/ARCHITECTURE.md, "Identifiers and byte formats").
    function chunkHash(uint64 epochId, Action[] calldata actions) external view returns (bytes32) {
        return _chunkHash(epochId, actions);
    }

    /// @notice leaf(action) for this chain (docs/ARCHITECTURE.md, "Identifiers and byte formats").
    function leafHash(uint64 epochId, Action calldata action) external view returns (bytes32) {
        return _leaf(epochId, action);
    }

    // ---------------------------------------------------------------- admin

    // ---------------------------------------------------------------- signer-set governance

    /// @notice Proposes signer set `version` (= current version + 1), signed by a threshold of the
    /// CURRENT set over `signerSetDigest(...)`; anyone may submit it. It replaces any pending
    /// proposal and becomes current through `activateSignerSet` from `activatesAt`, which must be at
    /// least `signerSetDelaySeconds` away. Signers must be strictly ascending (no duplicates).
    function proposeSignerSet(
        uint64 version,
        address[] calldata signers_,
        uint8 threshold_,
        uint64 activatesAt,
        bytes[] calldata signatures
    ) external nonReentrant {
        uint64 expected = _proposedVersion + 1;
        if (version != expected) revert InvalidSignerSetVersion(version, expected);
        uint256 earliest = block.timestamp + signerSetDelaySeconds;
        if (activatesAt < earliest) revert ActivationTooEarly(activatesAt, earliest);
        uint256 count = signers_.length;
        if (count > MAX_SIGNERS) revert TooManySigners(count);
        if (threshold_ == 0 || threshold_ > count) revert InvalidThreshold(threshold_, count);
        for (uint256 i = 0; i < count; ++i) {
            if (signers_[i] == address(0)) revert ZeroSigner();
            if (i > 0 && signers_[i] <= signers_[i - 1]) revert SignersNotAscending(i);
        }
        _verifySignatures(_signerSetDigest(version, signers_, threshold_, activatesAt), signatures);
        _proposedVersion = version;
        _pending = PendingSignerSet(version, activatesAt, threshold_, signers_);
        emit SignerSetProposed(version, signers_, threshold_, activatesAt);
    }

    /// @notice Makes the pending signer set current once its `activatesAt` is reached (anyone).
    /// Signatures over the previous version are refused from then on.
    function activateSignerSet() external nonReentrant {
        PendingSignerSet storage p = _pending;
        uint64 version = p.version;
        if (version == 0) revert NoPendingSignerSet();
        // forge-lint: disable-next-line(block-timestamp) -- activation is seconds-granular by design
        if (block.timestamp < p.activatesAt) revert SignerSetNotActive(p.activatesAt);
        address[] memory next = p.signers;
        uint8 threshold_ = p.threshold;
        delete _pending;
        _setSigners(next, threshold_);
        _signerSetVersion = version;
        emit SignerSetActivated(version, next, threshold_);
    }

    /// @notice The EIP-712 digest signers sign to propose a signer set.
    function signerSetDigest(uint64 version, address[] calldata signers_, uint8 threshold_, uint64 activatesAt)
        external
        view
        returns (bytes32)
    {
        return _signerSetDigest(version, signers_, threshold_, activatesAt);
    }

    /// @notice The proposal waiting for activation (version 0: none).
    function pendingSignerSet()
        external
        view
        returns (uint64 version, address[] memory signers_, uint8 threshold_, uint64 activatesAt)
    {
        PendingSignerSet storage p = _pending;
        return (p.version, p.signers, p.threshold, p.activatesAt);
    }

    /// @notice The version the next `proposeSignerSet` must name: one above every proposal so far.
    function nextSignerSetVersion() external view returns (uint64) {
        return _proposedVersion + 1;
    }

    /// @notice The version of the current signer set (1 at deployment); every leg signature names it.
    function signerSetVersion() external view returns (uint64) {
        return _signerSetVersion;
    }

    // ---------------------------------------------------------------- owner: registries and pause

    /// @notice Registers or deregisters a token for `open` and `fund` (owner only). Deregistering
    /// stops new deposits and liquidity; existing intents, pool and claims keep working.
    function setToken(address token, bool registered) external onlyOwner {
        _setToken(token, registered);
    }

    /// @notice Allows or forbids a destination chain for new intents (owner only).
    function setDestinationChain(uint64 chainId, bool supported) external onlyOwner {
        _setDestinationChain(chainId, supported);
    }

    /// @notice Blocks `open` and `settle`; `refundExpired` and `fund` keep working (owner only).
    function pause() external onlyOwner {
        _pause();
    }

    function unpause() external onlyOwner {
        _unpause();
    }

    /// @notice Disabled: an ownerless escrow could never register tokens or pause again.
    function renounceOwnership() public view override onlyOwner {
        revert RenounceOwnershipDisabled();
    }

    // ---------------------------------------------------------------- views

    /// @return 0 None, 1 Open, 2 Released, 3 Refunded
    function intentStatus(bytes32 intentId) external view returns (uint8) {
        return _intents[intentId].status;
    }

    /// @notice What the escrow stores for an intent (the other params are only in IntentOpened).
    function intentOf(bytes32 intentId)
        external
        view
        returns (address depositor, address inputToken, uint256 inputAmount, uint64 fillDeadline, uint8 status)
    {
        Intent storage it = _intents[intentId];
        return (it.depositor, _tokenAt[it.tokenIndex], _amountOf(it, intentId), it.fillDeadline, it.status);
    }

    function poolBalance(address token) external view returns (uint256) {
        return _pool[token];
    }

    function isApplied(uint64 epochId, uint32 chunk) external view returns (bool) {
        (uint256 word, uint256 bit) = _appliedPosition(epochId, chunk);
        return _appliedChunks[word] & bit != 0;
    }

    function isPaid(bytes32 sourceIntentId) external view returns (bool) {
        return _paid[sourceIntentId];
    }

    /// @notice The next deposit nonce.
    function nonce() external view returns (uint64) {
        return _nonce;
    }

    /// @notice The id the next (or any) deposit nonce gets on this escrow.
    function intentIdOf(uint64 depositNonce) external view returns (bytes32) {
        return _intentId(depositNonce);
    }

    function signers() external view returns (address[] memory) {
        return _signers;
    }

    function threshold() external view returns (uint8) {
        return _threshold;
    }

    function isSigner(address account) external view returns (bool) {
        return _signerIndex[account] != 0;
    }

    function isDestinationSupported(uint64 chainId) external view returns (bool) {
        return _destinations[chainId];
    }

    function isTokenRegistered(address token) external view returns (bool) {
        return _tokenInfo[token] >> 32 != 0;
    }

    /// @notice Whether the Withdraw with this leaf hash (see `leafHash`) has been applied.
    function isWithdrawn(bytes32 leaf) external view returns (bool) {
        return _withdrawn[leaf];
    }

    /// @notice What `owner` can collect in `token` with `claim`.
    function claimable(address token, address owner_) external view returns (uint256) {
        return _claims[token][owner_];
    }

    /// @notice Sum of all open claims in `token` (held by the escrow, outside the pool).
    function totalClaims(address token) external view returns (uint256) {
        return _claimTotal[token];
    }

    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ---------------------------------------------------------------- internals

    /// A Release chunk: every action must be a Release within its intent's window, or the chunk
    /// reverts whole. Consecutive Releases of one token credit the pool once.
    function _releaseAll(uint64 epochId, Action[] calldata actions) private {
        address creditToken;
        uint256 creditIndex; // token indexes start at 1
        uint256 credit;
        uint256 grace = refundGraceSeconds;
        for (uint256 i = 0; i < actions.length; ++i) {
            Action calldata a = actions[i];
            if (a.kind != KIND_RELEASE) revert MixedChunk();
            bytes32 id = a.intentId;
            // Token, account and amount of a Release are signed (in the leaf), but the escrow
            // moves what it stored for the intent.
            (uint256 tokenIndex, uint256 amount, uint256 deadline) = _close(id, STATUS_RELEASED);
            uint256 until = deadline + grace;
            // forge-lint: disable-next-line(block-timestamp) -- deadlines are seconds-granular by design
            if (block.timestamp > until) revert ReleaseWindowClosed(id, until);
            if (tokenIndex != creditIndex) {
                _credit(creditToken, credit);
                // forge-lint: disable-next-line(unsafe-typecast) -- token indexes are 32-bit (see `Intent`)
                (creditIndex, creditToken, credit) = (tokenIndex, _tokenAt[uint32(tokenIndex)], 0);
            }
            credit += amount;
            emit IntentReleased(id, epochId);
        }
        _credit(creditToken, credit);
    }

    /// A transfer chunk: Refunds, Payouts and Withdraws, state first, then the token transfer; a
    /// transfer that cannot be delivered becomes a claim, so no action blocks another.
    function _transferAll(uint64 epochId, Action[] calldata actions) private {
        for (uint256 i = 0; i < actions.length; ++i) {
            Action calldata a = actions[i];
            uint8 kind = a.kind;
            bytes32 id = a.intentId;
            if (kind == KIND_REFUND) {
                _refund(epochId, id);
            } else if (kind == KIND_PAYOUT) {
                if (_paid[id]) revert AlreadyPaid(id);
                _paid[id] = true;
                (address token, address to, uint256 amount) = _outgoing(a);
                if (_payFromPool(kind, id, token, to, amount)) emit PayoutMade(id, a.account, token, amount, epochId);
            } else if (kind == KIND_WITHDRAW) {
                bytes32 leaf = _leaf(epochId, a);
                if (_withdrawn[leaf]) revert WithdrawAlreadyApplied(leaf);
                _withdrawn[leaf] = true;
                (address token, address to, uint256 amount) = _outgoing(a);
                if (_payFromPool(kind, leaf, token, to, amount)) emit PoolWithdrawn(token, to, amount, epochId);
            } else if (kind == KIND_RELEASE) {
                revert MixedChunk();
            } else {
                revert UnknownActionKind(kind);
            }
        }
    }

    /// Debits the pool and delivers (or leaves a claim). Addressed to the escrow itself, nothing
    /// would move, so the pool is not debited either: returns false and the action is only marked.
    function _payFromPool(uint8 kind, bytes32 ref, address token, address to, uint256 amount) private returns (bool) {
        if (to == address(this)) {
            emit SelfTransferSkipped(kind, ref, token, amount);
            return false;
        }
        _poolDebit(token, amount);
        _deliverOrClaim(token, to, amount, kind, ref);
        return true;
    }

    /// A Refund of an intent the depositor already took back with `refundExpired` is skipped: the
    /// outcome is the one the batch wanted, and failing would block the rest of the chunk.
    function _refund(uint64 epochId, bytes32 id) private {
        if (_intents[id].status == STATUS_REFUNDED) return;
        (uint256 tokenIndex, uint256 amount,) = _close(id, STATUS_REFUNDED);
        // forge-lint: disable-next-line(unsafe-typecast) -- token indexes are 32-bit (see `Intent`)
        _deliverOrClaim(_tokenAt[uint32(tokenIndex)], _intents[id].depositor, amount, KIND_REFUND, id);
        emit IntentRefunded(id, epochId);
    }

    /// Transfers `amount` of `token` to `to`; if the token reverts, returns false or has no code,
    /// the amount becomes `to`'s claim instead (the tokens stay in the escrow, outside the pool).
    function _deliverOrClaim(address token, address to, uint256 amount, uint8 kind, bytes32 ref) private {
        if (amount == 0 || IERC20(token).trySafeTransfer(to, amount)) return;
        _claims[token][to] += amount;
        _claimTotal[token] += amount;
        emit ClaimCreated(token, to, amount, kind, ref);
    }

    function _credit(address token, uint256 amount) private {
        if (amount != 0) _pool[token] += amount;
    }

    /// Moves an Open intent to `newStatus` with one SLOAD and one SSTORE of slot A
    /// (packedAmount: bits 0-151, fillDeadline: 152-215, tokenIndex: 216-247, status: 248-255).
    function _close(bytes32 id, uint8 newStatus)
        private
        returns (uint256 tokenIndex, uint256 amount, uint256 fillDeadline)
    {
        Intent storage it = _intents[id];
        uint256 slotA;
        assembly ("memory-safe") {
            slotA := sload(it.slot)
        }
        // forge-lint: disable-next-line(unsafe-typecast) -- the top byte of slot A is the status
        uint8 status = uint8(slotA >> 248);
        if (status != STATUS_OPEN) revert IntentNotOpen(id, status);
        uint256 updated = (slotA & type(uint248).max) | (uint256(newStatus) << 248);
        assembly ("memory-safe") {
            sstore(it.slot, updated)
        }
        tokenIndex = (slotA >> 216) & type(uint32).max;
        fillDeadline = (slotA >> 152) & type(uint64).max;
        amount = slotA & LARGE_AMOUNT;
        if (amount == LARGE_AMOUNT) amount = _largeAmounts[id];
    }

    function _outgoing(Action calldata a) private pure returns (address token, address to, uint256 amount) {
        token = _toAddress(a.token);
        to = _toAddress(a.account);
        if (to == address(0)) revert ZeroRecipient();
        amount = a.amount;
    }

    function _poolDebit(address token, uint256 amount) private {
        uint256 available = _pool[token];
        if (amount > available) revert InsufficientPool(token, available, amount);
        unchecked {
            _pool[token] = available - amount;
        }
    }

    /// Pulls `amount` from the caller and returns what actually arrived.
    function _pull(address token, uint256 amount) private returns (uint256 received) {
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        uint256 afterwards = IERC20(token).balanceOf(address(this));
        if (afterwards <= before) revert NothingReceived(token);
        unchecked {
            received = afterwards - before;
        }
    }

    /// Stores a new Open intent, both slots written whole (no read-modify-write per field).
    function _record(bytes32 id, uint32 tokenIndex, uint256 amount, uint64 fillDeadline) private {
        uint256 packedAmount = amount;
        if (amount >= LARGE_AMOUNT) {
            packedAmount = LARGE_AMOUNT;
            _largeAmounts[id] = amount;
        }
        // Layout as in `Intent`: slot A packedAmount | fillDeadline << 152 | tokenIndex << 216 |
        // status << 248, slot B depositor.
        uint256 slotA = packedAmount | (uint256(fillDeadline) << 152) | (uint256(tokenIndex) << 216)
            | (uint256(STATUS_OPEN) << 248);
        uint256 slotB = uint256(uint160(msg.sender));
        Intent storage it = _intents[id];
        assembly ("memory-safe") {
            sstore(it.slot, slotA)
            sstore(add(it.slot, 1), slotB)
        }
    }

    function _amountOf(Intent storage it, bytes32 id) private view returns (uint256) {
        uint152 packed = it.packedAmount;
        return packed == LARGE_AMOUNT ? _largeAmounts[id] : packed;
    }

    function _intentId(uint64 n) private view returns (bytes32) {
        return keccak256(abi.encode(uint256(block.chainid), bytes32(uint256(uint160(address(this)))), uint256(n)));
    }

    function _leaf(uint64 epochId, Action calldata a) private view returns (bytes32 h) {
        uint256 kind = a.kind; // validated by the ABI decoder (reverts above 255)
        uint256 chainId = block.chainid;
        assembly ("memory-safe") {
            // abi.encode(uint64 chainId, uint64 epochId, uint8 kind, bytes32 intentId,
            //            bytes32 token, bytes32 account, uint256 amount), in scratch memory
            let p := mload(0x40)
            mstore(p, chainId)
            mstore(add(p, 0x20), and(epochId, 0xffffffffffffffff))
            mstore(add(p, 0x40), kind)
            calldatacopy(add(p, 0x60), add(a, 0x20), 0x80)
            h := keccak256(p, 0xe0)
        }
    }

    function _chunkHash(uint64 epochId, Action[] calldata actions) private view returns (bytes32) {
        uint256 n = actions.length;
        bytes32[] memory leaves = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            leaves[i] = _leaf(epochId, actions[i]);
        }
        bytes32 h;
        assembly ("memory-safe") {
            h := keccak256(add(leaves, 0x20), mul(n, 0x20))
        }
        return h;
    }

    function _legDigest(uint64 epochId, uint32 chunk, bytes32 chunkHash_, bytes32 batchRoot, uint64 version)
        private
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(keccak256(abi.encode(LEG_TYPEHASH, epochId, chunk, chunkHash_, batchRoot, version)));
    }

    /// EIP-712: an address[] member is hashed as keccak256 of its elements, each padded to 32 bytes.
    function _signerSetDigest(uint64 version, address[] calldata signers_, uint8 threshold_, uint64 activatesAt)
        private
        view
        returns (bytes32)
    {
        bytes32 signersHash = keccak256(abi.encodePacked(signers_));
        return _hashTypedDataV4(
            keccak256(abi.encode(SIGNER_SET_TYPEHASH, version, signersHash, threshold_, activatesAt))
        );
    }

    function _verifySignatures(bytes32 digest, bytes[] calldata signatures) private view {
        uint256 required = _threshold;
        if (signatures.length < required) revert InsufficientSignatures(signatures.length, required);
        uint256 seen;
        for (uint256 i = 0; i < signatures.length; ++i) {
            bytes calldata sig = signatures[i];
            if (sig.length != 65) revert InvalidSignatureLength(i, sig.length);
            (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(digest, sig);
            if (err == ECDSA.RecoverError.InvalidSignatureS) revert SignatureHighS(i);
            if (err != ECDSA.RecoverError.NoError) revert InvalidSignature(i);
            uint256 index = _signerIndex[signer];
            if (index == 0) revert UnknownSigner(signer);
            // forge-lint: disable-next-line(incorrect-shift) -- a bit mask: 1 shifted by the signer index
            uint256 mask = 1 << index;
            if (seen & mask != 0) revert DuplicateSigner(signer);
            seen |= mask;
        }
    }

    function _appliedPosition(uint64 epochId, uint32 chunk) private pure returns (uint256 word, uint256 bit) {
        word = (uint256(chunk) << 56) | (uint256(epochId) >> 8);
        // forge-lint: disable-next-line(incorrect-shift) -- a bit mask: 1 shifted by the epoch's low byte
        bit = 1 << (epochId & 0xff);
    }

    function _toAddress(bytes32 value) private pure returns (address) {
        if (uint256(value) >> 160 != 0) revert InvalidAddress(value);
        return address(uint160(uint256(value)));
    }

    function _setSigners(address[] memory signers_, uint8 threshold_) private {
        uint256 count = signers_.length;
        if (count > MAX_SIGNERS) revert TooManySigners(count);
        if (threshold_ == 0 || threshold_ > count) revert InvalidThreshold(threshold_, count);
        address[] storage current = _signers;
        for (uint256 i = 0; i < current.length; ++i) {
            delete _signerIndex[current[i]];
        }
        delete _signers;
        for (uint256 i = 0; i < count; ++i) {
            address s = signers_[i];
            if (s == address(0)) revert ZeroSigner();
            if (_signerIndex[s] != 0) revert DuplicateSignerInSet(s);
            _signerIndex[s] = i + 1;
            current.push(s);
        }
        _threshold = threshold_;
    }

    /// The token's registry index; reverts unless the token is registered.
    function _registeredIndex(address token) private view returns (uint32) {
        uint256 info = _tokenInfo[token];
        if (info >> 32 == 0) revert TokenNotRegistered(token);
        // forge-lint: disable-next-line(unsafe-typecast) -- the low 32 bits of the info are the index
        return uint32(info);
    }

    /// A token gets its index at its first registration and keeps it (intents refer to it).
    function _setToken(address token, bool registered) private {
        if (token == address(0)) revert ZeroToken();
        uint256 index = _tokenInfo[token] & type(uint32).max;
        if (index == 0) {
            uint32 next = _tokenCount + 1;
            _tokenCount = next;
            _tokenAt[next] = token;
            index = next;
        }
        _tokenInfo[token] = index | (registered ? uint256(1) << 32 : 0);
        emit TokenRegistered(token, registered);
    }

    function _setDestinationChain(uint64 chainId, bool supported) private {
        if (chainId == 0) revert InvalidDestination(chainId);
        _destinations[chainId] = supported;
        emit DestinationChainUpdated(chainId, supported);
    }
}
