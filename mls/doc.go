// Package mls implements Messaging Layer Security, RFC 9420.
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
//	signature.go         SigningKey, signing and verification (§5.1.2)
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
//	protect_private.go   PrivateMessage protect/unprotect, reuse guard, sender data (§6.3, §6.3.1, §6.3.2)
//	protect_errors.go    sentinel errors of message protection
//
// Tests: *vectors_test.go and the tests named after each file check the
// mlswg interop vectors in testdata/ (see testdata/SOURCE) and RFC 9180's;
// wire*_test.go cover the codec (units, malformed input, allocation
// bounds, TBS encodings, fuzz targets, benchmarks); protect_*_test.go
// cover rejection, non-member senders, fuzz targets for unprotect, and
// the PrivateMessage benchmarks.
package mls
