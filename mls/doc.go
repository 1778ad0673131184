// Package mls implements Messaging Layer Security, RFC 9420.
//
// # Groups
//
// A Group is one member's state of a group. It is created by CreateGroup,
// JoinFromWelcome (with a KeyPackage from NewKeyPackage and its
// KeyPackagePrivateKeys), JoinExternal, ReInitGroup, Branch, or restored by
// UnmarshalGroup. Members send with Encrypt, the Propose methods and
// Commit; they receive with Process, which returns application data, a
// cached proposal, or a StagedCommit: a Commit validated in full and
// applied to a copy of the state, merged with Merge once inspected. A
// member's own Commit stays pending until the Delivery Service confirms it
// (MergePendingCommit) or another wins (ClearPendingCommit). Nothing a
// rejected message carries changes the group. Export and EpochAuthenticator
// give what the application builds on (RFC 9605's SFrame keys, safety
// codes); SignWithLabel and VerifyWithLabel sign the application's own
// data with members' leaf keys.
//
// A Group is not safe for concurrent use; GroupOptions bound what it keeps
// (past epochs, resumption PSKs) and what hostile input may make it do
// (tree width, proposals per commit and per epoch, out-of-order messages).
//
// The package is one Go package with files by concern; each file's doc
// comments cite the RFC sections it implements. Parsing is kept apart from
// cryptography: the wire files only encode and decode, the crypto files
// only compute.
//
// # Files
//
// Wire structures (encoding and decoding, no cryptography):
//
//	codec.go             decoding machinery on cryptobyte: bounded reads, field paths in errors (§2.1)
//	errors.go            sentinel errors of the codec (ErrMalformed, ...)
//	message.go           ProtocolVersion, WireFormat, MLSMessage (§6, §17.2)
//	framing.go           Sender, FramedContent, FramedContentAuthData, AuthenticatedContent;
//	                     FramedContentTBS, AuthenticatedContentTBM, transcript hash inputs (§6, §6.1, §6.2, §8.2)
//	publicmessage.go     PublicMessage (§6.2)
//	privatemessage.go    PrivateMessage, PrivateMessageContent with padding, SenderData, the AADs (§6.3, §6.3.1, §6.3.2)
//	credential.go        Credential (§5.3)
//	extension.go         Extension and the payloads of the registered types (§7.2, §11.1, §12.1.8.1, §12.4.3.2, §13, §17.3)
//	leafnode.go          LeafNode, Capabilities, Lifetime, LeafNodeTBS (§7.2)
//	keypackage.go        KeyPackage, KeyPackageTBS (§10)
//	node.go              ratchet tree nodes, ParentNode, tree hash inputs (§7.1, §7.8, §12.4.3.3)
//	updatepath.go        UpdatePath, HPKECiphertext (§7.6)
//	proposal.go          the seven proposals, ProposalOrRef (§12.1, §12.4)
//	commit.go            Commit (§12.4)
//	groupcontext.go      GroupContext (§8.1)
//	groupinfo.go         GroupInfo, GroupInfoTBS (§12.4.3)
//	welcome.go           Welcome, GroupSecrets (§12.4.3.1)
//	psk.go               PreSharedKeyID (§8.4)
//
// Cryptographic core:
//
//	ciphersuite.go       CipherSuite and the algorithms each names (§5.1, §17.1)
//	ciphersuite_aead.go  the AEADs, seal and open (§5.1)
//	ciphersuite_hash.go  Hash and MAC (§5.1)
//	ciphersuite_kdf.go   KDF.Extract and KDF.Expand (§8)
//	hpke.go              HPKE base mode: SetupBaseS/R, seal, open, export (§5.1; RFC 9180 §5, §6)
//	hpke_derive.go       DeriveKeyPair for X25519/X448 (RFC 9180 §7.1.3; §7.4)
//	label.go             ExpandWithLabel, DeriveSecret, DeriveTreeSecret, SignWithLabel,
//	                     EncryptWithLabel, RefHash (§5.1.2, §5.1.3, §5.2, §8, §9.1)
//	signature.go         SigningKey, signing and verification; the exported SignWithLabel,
//	                     VerifyWithLabel for application data (§5.1.2, §17.6)
//	secret.go            the redacted secret type and keyNonce (§8, §9.2)
//	secrettree.go        the secret tree and sender ratchets, sender data key (§9, §9.1, §9.2, §6.3.2)
//	treemath.go          array-based tree math (§4.1, Appendix C)
//	errors_crypto.go     sentinel errors of the cryptographic layer
//
// Key schedule (§8), each stage a type derived by a method of the previous:
//
//	keyschedule.go           init_secret -> joiner_secret -> (psk_secret) -> epoch_secret -> epochSecrets (§8, §11)
//	keyschedule_exporter.go  MLS-Exporter, resumption_psk, epoch_authenticator (§8.5, §8.6, §8.7)
//	keyschedule_external.go  external_pub and external initialization (§8.3; RFC 9180 §5.3)
//	keyschedule_welcome.go   welcome_key, welcome_nonce, GroupInfo encryption (§12.4.3.1)
//	pskschedule.go           PSKLabel and psk_secret (§8.4)
//	transcript.go            confirmed and interim transcript hashes, confirmation tag (§8.2, §6.1)
//
// Message protection (§6):
//
//	protect.go           messageProtector, content signing and sender rules (§6, §6.1, §12.1.8)
//	protect_public.go    PublicMessage protect/unprotect, membership tag (§6.2)
//	protect_private.go   PrivateMessage protect/unprotect, reuse guard, sender data; keys consumed
//	                     only once a message is accepted (§6.3, §6.3.1, §6.3.2, §9.2)
//	protect_errors.go    sentinel errors of message protection
//
// Ratchet tree and TreeKEM (§4, §7), key packages (§10), credentials (§5.3):
//
//	ratchettree.go          the tree: nodes with cached hashes, add/update/remove leaf, resolution,
//	                        filtered direct path, truncation (§4.1, §7.7, §12.1.1–§12.1.3)
//	ratchettree_parallel.go the bounded worker pool of validation, hashing and TreeKEM
//	ratchettree_errors.go   sentinel errors of trees, leaves and key packages; node-naming errors
//	treehash.go             tree hashes, cached per node and recomputed along changed paths (§7.8)
//	parenthash.go           parent hashes of new paths and their verification (§7.9, §7.9.2)
//	treekem.go              UpdatePath creation and processing, path secrets, private tree state (§7.4–§7.6)
//	validate.go             LeafNode and KeyPackage validation, ValidationOptions, CredentialValidator,
//	                        leaf checks against the tree (§7.3, §10.1)
//	validate_tree.go        validation of a received tree (§12.4.3.1)
//	x509.go                 X.509 credentials: chain parsing, end-entity key (§5.3)
//	keypackage_create.go    NewKeyPackage, leaf node signing, Update leaf nodes (§10, §7.2, §12.1.2)
//	keypackage_private.go   KeyPackagePrivateKeys: accessors and storage encoding (§10)
//
// Groups (§11, §12, §14):
//
//	group.go             Group, epochState, Member and the accessors: Export, EpochAuthenticator,
//	                     Members, RatchetTree, external PSKs (§8.5, §8.7, §11)
//	group_options.go     GroupOptions and their defaults: bounds, windows, policies, ExternalPSK
//	group_errors.go      sentinel errors of the group layer; errors naming a commit's proposal
//	group_create.go      CreateGroup (§11)
//	group_proposal.go    the Propose methods, validation of received proposals, the proposal cache (§12.1)
//	group_apply.go       proposal list validation and application (§12.2, §12.3)
//	group_commit.go      Commit: choosing the cached proposals, path, Welcome, GroupInfo (§12.4.1)
//	group_stage.go       StagedCommit, processing a commit without changing the group, Merge,
//	                     the pending commit (§12.4.2, §14)
//	group_process.go     Process, Encrypt, Decrypt: application data, late messages of past
//	                     epochs, own messages echoed (§6, §14, §15)
//	group_keyschedule.go a new epoch's key schedule, GroupInfo signing, Welcome sealing and
//	                     opening (§8, §12.4.3, §12.4.3.1)
//	group_join.go        JoinFromWelcome, tree from the GroupInfo or out of band, reinit and branch
//	                     checks (§11.2, §11.3, §12.4.3.1, §12.4.3.3)
//	group_external.go    GroupInfo, JoinExternal, NewMemberAddProposal, ExternalProposal
//	                     (§12.1.8, §12.4.3, §12.4.3.2)
//	group_reinit.go      ReInitGroup and Branch, ResumeOptions for their first commit (§11.2,
//	                     §11.3, §12.4)
//	group_psk.go         PSK lookup: external PSKs, resumption PSKs of kept epochs (§8.4, §8.6)
//	group_state.go       MarshalBinary and UnmarshalGroup: the versioned storage encoding
//
// Tests: *vectors_test.go and the tests named after each file check the
// mlswg interop vectors in testdata/ (see testdata/SOURCE) and RFC 9180's;
// wire*_test.go cover the codec (units, malformed input, allocation
// bounds, TBS encodings, fuzz targets, benchmarks); protect_*_test.go
// cover rejection, non-member senders, fuzz targets for unprotect, and
// the PrivateMessage benchmarks; ratchettree_*, treekem_* and validate_*
// tests cover the tree. group_vectors_test.go runs welcome.json and the
// passive-client vectors; group_test.go and group_behavior_test.go drive
// groups of members through the API; group_reject_test.go checks that
// rejected commits and proposals change nothing; group_state_test.go the
// storage; group_fuzz_test.go and group_bench_test.go fuzz and measure the
// group layer; group_example_test.go is the package example.
package mls
