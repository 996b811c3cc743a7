//! Governance and the treasury: a council (`pallet-collective` with its membership kept by
//! `pallet-membership`) whose majority holds the admin origins of the PoAI pallets and spends
//! from the treasury (`pallet-treasury`), which receives slashes and most transaction fees.
//!
//! Root (sudo, on the `dev` and `local` chains only) holds every admin origin too; a chain
//! started without sudo is governed by its council alone, and the council reaches what only
//! root may do (a runtime upgrade: `system.authorizeUpgrade`) through `pallet-whitelist`: a
//! majority whitelists the call's hash and dispatches it as root, with the call's preimage.

use frame_support::traits::{fungible::HoldConsideration, LinearStoragePrice};
use frame_support::{
	parameter_types,
	traits::{
		fungible::{Balanced, Credit},
		tokens::{imbalance::ResolveTo, pay::PayFromAccount, UnityAssetBalanceConversion},
		EitherOf, EitherOfDiverse, Imbalance, OnUnbalanced,
	},
	PalletId,
};
use frame_system::{EnsureRoot, EnsureRootWithSuccess, EnsureWithSuccess};
use sp_runtime::{traits::IdentityLookup, Permill};

use super::super::{
	AccountId, Authorship, Balance, Balances, BlockNumber, Council, Preimage, Runtime, RuntimeCall,
	RuntimeEvent, RuntimeHoldReason, RuntimeOrigin, System, Treasury, DAYS, UNIT,
};

/// The council's instance of `pallet-collective` and `pallet-membership`.
pub type CouncilCollective = pallet_collective::Instance1;

/// More than half of the council, as a motion's origin.
pub type CouncilMajority =
	pallet_collective::EnsureProportionMoreThan<AccountId, CouncilCollective, 1, 2>;

/// Root or a council majority: who registers models, sets the protocol, staking and reputation
/// parameters, authorises runtime upgrades, manages the council and rejects treasury spends.
pub type EnsureRootOrCouncilMajority = EitherOfDiverse<EnsureRoot<AccountId>, CouncilMajority>;

parameter_types! {
	/// A council motion that has not reached its threshold can be closed after this long.
	pub const CouncilMotionDuration: BlockNumber = 3 * DAYS;
	/// At most this many motions are open at once.
	pub const CouncilMaxProposals: u32 = 100;
	/// At most this many council members.
	pub const CouncilMaxMembers: u32 = 100;
	/// A motion may dispatch at most half a block's weight.
	pub MaxProposalWeight: frame_support::weights::Weight =
		sp_runtime::Perbill::from_percent(50) * super::RuntimeBlockWeights::get().max_block;
}

impl pallet_collective::Config<CouncilCollective> for Runtime {
	type RuntimeOrigin = RuntimeOrigin;
	type Proposal = RuntimeCall;
	type RuntimeEvent = RuntimeEvent;
	type MotionDuration = CouncilMotionDuration;
	type MaxProposals = CouncilMaxProposals;
	type MaxMembers = CouncilMaxMembers;
	// A member who does not vote votes as the prime member did.
	type DefaultVote = pallet_collective::PrimeDefaultVote;
	type WeightInfo = pallet_collective::weights::SubstrateWeight<Runtime>;
	// Members change through `councilMembership` only.
	type SetMembersOrigin = EnsureRoot<AccountId>;
	type MaxProposalWeight = MaxProposalWeight;
	type DisapproveOrigin = EnsureRootOrCouncilMajority;
	type KillOrigin = EnsureRootOrCouncilMajority;
	// No deposit for a motion: only members can propose.
	type Consideration = ();
}

impl pallet_membership::Config<pallet_membership::Instance1> for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type AddOrigin = EnsureRootOrCouncilMajority;
	type RemoveOrigin = EnsureRootOrCouncilMajority;
	type SwapOrigin = EnsureRootOrCouncilMajority;
	type ResetOrigin = EnsureRootOrCouncilMajority;
	type PrimeOrigin = EnsureRootOrCouncilMajority;
	type MembershipInitialized = Council;
	type MembershipChanged = Council;
	type MaxMembers = CouncilMaxMembers;
	type WeightInfo = pallet_membership::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// The treasury's account is derived from this id.
	pub const TreasuryPalletId: PalletId = PalletId(*b"py/trsry");
	/// The treasury's account: slashes and 80% of the fees are paid into it.
	pub TreasuryAccount: AccountId = Treasury::account_id();
	/// Approved spends are paid out every spend period.
	pub const SpendPeriod: BlockNumber = DAYS;
	/// Nothing of the treasury is burnt at the end of a spend period.
	pub const TreasuryBurn: Permill = Permill::zero();
	/// A spend can be claimed for this long after it is valid.
	pub const SpendPayoutPeriod: BlockNumber = 30 * DAYS;
	/// At most this many approved spends wait for a spend period.
	pub const MaxApprovals: u32 = 64;
	/// The most one council motion may spend.
	pub const MaxCouncilSpend: Balance = 1_000_000 * UNIT;
	/// Root may spend anything.
	pub const MaxBalance: Balance = Balance::MAX;
}

impl pallet_treasury::Config for Runtime {
	type PalletId = TreasuryPalletId;
	type Currency = Balances;
	type RejectOrigin = EnsureRootOrCouncilMajority;
	type RuntimeEvent = RuntimeEvent;
	type SpendPeriod = SpendPeriod;
	type Burn = TreasuryBurn;
	type BurnDestination = ();
	type SpendFunds = ();
	type WeightInfo = pallet_treasury::weights::SubstrateWeight<Runtime>;
	type MaxApprovals = MaxApprovals;
	type SpendOrigin = EitherOf<
		EnsureRootWithSuccess<AccountId, MaxBalance>,
		EnsureWithSuccess<CouncilMajority, AccountId, MaxCouncilSpend>,
	>;
	type AssetKind = ();
	type Beneficiary = AccountId;
	type BeneficiaryLookup = IdentityLookup<AccountId>;
	type Paymaster = PayFromAccount<Balances, TreasuryAccount>;
	type BalanceConverter = UnityAssetBalanceConversion;
	type PayoutPeriod = SpendPayoutPeriod;
	type BlockNumberProvider = System;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = TreasuryBenchmarkHelper;
}

parameter_types! {
	/// Deposit held for a noted preimage: a base, and per byte.
	pub const PreimageBaseDeposit: Balance = UNIT;
	/// Per byte of a noted preimage (a runtime of ~1.3 MB holds ~1.3 POAI).
	pub const PreimageByteDeposit: Balance = UNIT / 1_000_000;
	/// The hold reason of preimage deposits.
	pub const PreimageHoldReason: RuntimeHoldReason =
		RuntimeHoldReason::Preimage(pallet_preimage::HoldReason::Preimage);
	/// A whitelisted dispatch deferred for its whitelisting expires after this long.
	pub const DeferredDispatchExpiration: BlockNumber = 7 * DAYS;
}

impl pallet_preimage::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = pallet_preimage::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	type ManagerOrigin = EnsureRootOrCouncilMajority;
	// Whoever notes a preimage holds a deposit for its bytes until it is used or unnoted.
	type Consideration = HoldConsideration<
		AccountId,
		Balances,
		PreimageHoldReason,
		LinearStoragePrice<PreimageBaseDeposit, PreimageByteDeposit, Balance>,
	>;
}

impl pallet_whitelist::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WhitelistOrigin = EnsureRootOrCouncilMajority;
	type DispatchWhitelistedOrigin = EnsureRootOrCouncilMajority;
	type Preimages = Preimage;
	type DeferredDispatchExpiration = DeferredDispatchExpiration;
	type BlockNumberProvider = System;
	type WeightInfo = pallet_whitelist::weights::SubstrateWeight<Runtime>;
}

/// Slashed funds go to the treasury.
pub type SlashToTreasury = ResolveTo<TreasuryAccount, Balances>;

/// Transaction fees: 80% to the treasury, 20% and every tip to the block's author (who pays
/// for including the transaction); without a known author, the author's part is burnt.
pub struct DealWithFees;

impl OnUnbalanced<Credit<AccountId, Balances>> for DealWithFees {
	fn on_unbalanceds(mut fees_then_tips: impl Iterator<Item = Credit<AccountId, Balances>>) {
		if let Some(fees) = fees_then_tips.next() {
			let (to_treasury, mut to_author) = fees.ration(80, 20);
			if let Some(tips) = fees_then_tips.next() {
				tips.merge_into(&mut to_author);
			}
			SlashToTreasury::on_unbalanced(to_treasury);
			if let Some(author) = Authorship::author() {
				let _ = <Balances as Balanced<AccountId>>::resolve(&author, to_author);
			}
		}
	}
}

/// What the treasury benchmarks need: the only asset kind, and beneficiaries from seeds.
#[cfg(feature = "runtime-benchmarks")]
pub struct TreasuryBenchmarkHelper;

#[cfg(feature = "runtime-benchmarks")]
impl pallet_treasury::ArgumentsFactory<(), AccountId> for TreasuryBenchmarkHelper {
	fn create_asset_kind(_seed: u32) {}
	fn create_beneficiary(seed: [u8; 32]) -> AccountId {
		AccountId::from(seed)
	}
}
