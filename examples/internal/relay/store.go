package relay

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"slices"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// store keeps what must survive a relay restart: one-time and last-resort
// KeyPackages, each room's handshake log and latest GroupInfo, and
// Welcomes not yet delivered. All of it is opaque bytes.
//
// The database has one connection: SQLite serialises writers anyway, it
// makes ":memory:" one database rather than one per pooled connection, and
// every write of a room already happens under that room's lock.
type store struct {
	db *sql.DB
}

const schema = `
CREATE TABLE IF NOT EXISTS rooms (
	room TEXT PRIMARY KEY,
	epoch INTEGER NOT NULL,
	last_seq INTEGER NOT NULL,
	pruned INTEGER NOT NULL DEFAULT 0,
	pruned_epoch INTEGER NOT NULL DEFAULT 0,
	group_info BLOB,
	group_info_epoch INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS log (
	room TEXT NOT NULL,
	seq INTEGER NOT NULL,
	epoch INTEGER NOT NULL,
	kind INTEGER NOT NULL,
	sender TEXT NOT NULL,
	message BLOB NOT NULL,
	PRIMARY KEY (room, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS key_packages (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	client_id TEXT NOT NULL,
	data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS key_packages_client ON key_packages (client_id, id);
CREATE TABLE IF NOT EXISTS last_resort (
	client_id TEXT PRIMARY KEY,
	data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS welcomes (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	room TEXT NOT NULL,
	recipient TEXT NOT NULL,
	sender TEXT NOT NULL,
	epoch INTEGER NOT NULL,
	data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS welcomes_recipient ON welcomes (room, recipient, id);
`

// openStore opens (creating if needed) the database at path, or an
// in-memory one for path "" or ":memory:".
func openStore(path string) (*store, error) {
	dsn := ":memory:"
	if path != "" && path != ":memory:" {
		// WAL with synchronous=FULL: a commit the relay acknowledged is on
		// disk before the acknowledgement leaves.
		q := url.Values{}
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(FULL)")
		q.Add("_pragma", "busy_timeout(5000)")
		dsn = "file:" + path + "?" + q.Encode()
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("relay: open database: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("relay: create schema: %w", err)
	}
	return &store{db: db}, nil
}

func (s *store) close() error { return s.db.Close() }

// roomState is what the relay knows of a room's group. Epochs and
// sequence numbers are uint64 on the wire and stored as their int64 bit
// pattern.
type roomState struct {
	exists         bool   // a commit or proposal has been logged
	epoch          uint64 // the epoch the next commit must be created in
	lastSeq        uint64
	pruned         bool   // log entries have been dropped
	prunedEpoch    uint64 // the epoch of the last dropped entry
	groupInfo      []byte // latest GroupInfo, nil if the last commit had none
	groupInfoEpoch uint64
}

func (s *store) loadRoom(ctx context.Context, room string) (roomState, error) {
	var st roomState
	var epoch, lastSeq, prunedEpoch, giEpoch int64
	var pruned int
	err := s.db.QueryRowContext(ctx,
		`SELECT epoch, last_seq, pruned, pruned_epoch, group_info, group_info_epoch FROM rooms WHERE room = ?`, room).
		Scan(&epoch, &lastSeq, &pruned, &prunedEpoch, &st.groupInfo, &giEpoch)
	if errors.Is(err, sql.ErrNoRows) {
		return roomState{}, nil
	}
	if err != nil {
		return roomState{}, fmt.Errorf("relay: load room: %w", err)
	}
	st.exists = true
	st.epoch, st.lastSeq = uint64(epoch), uint64(lastSeq)
	st.pruned, st.prunedEpoch = pruned != 0, uint64(prunedEpoch)
	st.groupInfoEpoch = uint64(giEpoch)
	return st, nil
}

// logEntry is one handshake message in a room's total order.
type logEntry struct {
	seq     uint64
	epoch   uint64
	kind    int32
	sender  string
	message []byte
}

// pendingWelcome is a Welcome waiting for its recipient.
type pendingWelcome struct {
	sender  string
	epoch   uint64
	message []byte
}

// appendLog writes e as the room's next log entry together with the
// room's new state (and, for a commit, the Welcome it carries for each of
// recipients) in one transaction, then keeps at most maxLog entries. It
// returns the state as stored.
func (s *store) appendLog(ctx context.Context, room string, st roomState, e logEntry, welcome []byte, recipients []string, maxLog, maxWelcomes int) (roomState, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return roomState{}, fmt.Errorf("relay: append log: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO log (room, seq, epoch, kind, sender, message) VALUES (?, ?, ?, ?, ?, ?)`,
		room, int64(e.seq), int64(e.epoch), e.kind, e.sender, e.message); err != nil {
		return roomState{}, fmt.Errorf("relay: append log: %w", err)
	}
	if maxLog > 0 && e.seq > uint64(maxLog) {
		cut := int64(e.seq) - int64(maxLog)
		var prunedEpoch sql.NullInt64
		if err := tx.QueryRowContext(ctx,
			`SELECT MAX(epoch) FROM log WHERE room = ? AND seq <= ?`, room, cut).Scan(&prunedEpoch); err != nil {
			return roomState{}, fmt.Errorf("relay: prune log: %w", err)
		}
		if prunedEpoch.Valid {
			if _, err := tx.ExecContext(ctx, `DELETE FROM log WHERE room = ? AND seq <= ?`, room, cut); err != nil {
				return roomState{}, fmt.Errorf("relay: prune log: %w", err)
			}
			st.pruned, st.prunedEpoch = true, uint64(prunedEpoch.Int64)
		}
	}
	for _, r := range recipients {
		if err := insertWelcome(ctx, tx, room, r, pendingWelcome{sender: e.sender, epoch: st.epoch, message: welcome}, maxWelcomes); err != nil {
			return roomState{}, err
		}
	}
	if err := saveRoom(ctx, tx, room, st); err != nil {
		return roomState{}, err
	}
	if err := tx.Commit(); err != nil {
		return roomState{}, fmt.Errorf("relay: append log: %w", err)
	}
	return st, nil
}

func saveRoom(ctx context.Context, tx *sql.Tx, room string, st roomState) error {
	pruned := 0
	if st.pruned {
		pruned = 1
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO rooms (room, epoch, last_seq, pruned, pruned_epoch, group_info, group_info_epoch)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (room) DO UPDATE SET epoch = excluded.epoch, last_seq = excluded.last_seq,
			pruned = excluded.pruned, pruned_epoch = excluded.pruned_epoch,
			group_info = excluded.group_info, group_info_epoch = excluded.group_info_epoch`,
		room, int64(st.epoch), int64(st.lastSeq), pruned, int64(st.prunedEpoch), st.groupInfo, int64(st.groupInfoEpoch))
	if err != nil {
		return fmt.Errorf("relay: save room: %w", err)
	}
	return nil
}

// insertWelcome stores w for recipient and keeps at most maxWelcomes
// pending Welcomes per room, dropping the oldest.
func insertWelcome(ctx context.Context, tx *sql.Tx, room, recipient string, w pendingWelcome, maxWelcomes int) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO welcomes (room, recipient, sender, epoch, data) VALUES (?, ?, ?, ?, ?)`,
		room, recipient, w.sender, int64(w.epoch), w.message); err != nil {
		return fmt.Errorf("relay: store welcome: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM welcomes WHERE room = ? AND id NOT IN
		(SELECT id FROM welcomes WHERE room = ? ORDER BY id DESC LIMIT ?)`, room, room, maxWelcomes); err != nil {
		return fmt.Errorf("relay: bound welcomes: %w", err)
	}
	return nil
}

// storeWelcome stores a standalone Welcome for each recipient.
func (s *store) storeWelcome(ctx context.Context, room string, recipients []string, w pendingWelcome, maxWelcomes int) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("relay: store welcome: %w", err)
	}
	defer tx.Rollback()
	for _, r := range recipients {
		if err := insertWelcome(ctx, tx, room, r, w, maxWelcomes); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("relay: store welcome: %w", err)
	}
	return nil
}

// takeWelcomes removes and returns the Welcomes pending for recipient in
// room, oldest first.
func (s *store) takeWelcomes(ctx context.Context, room, recipient string) ([]pendingWelcome, error) {
	rows, err := s.db.QueryContext(ctx,
		`DELETE FROM welcomes WHERE room = ? AND recipient = ? RETURNING id, sender, epoch, data`, room, recipient)
	if err != nil {
		return nil, fmt.Errorf("relay: take welcomes: %w", err)
	}
	defer rows.Close()
	type row struct {
		id int64
		w  pendingWelcome
	}
	var got []row
	for rows.Next() {
		var r row
		var epoch int64
		if err := rows.Scan(&r.id, &r.w.sender, &epoch, &r.w.message); err != nil {
			return nil, fmt.Errorf("relay: take welcomes: %w", err)
		}
		r.w.epoch = uint64(epoch)
		got = append(got, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("relay: take welcomes: %w", err)
	}
	// RETURNING gives no order guarantee.
	slices.SortFunc(got, func(a, b row) int { return cmp.Compare(a.id, b.id) })
	out := make([]pendingWelcome, len(got))
	for i, r := range got {
		out[i] = r.w
	}
	return out, nil
}

// errLogTooLarge is returned when the log entries a catch-up asks for hold
// more bytes than the relay will replay at once.
var errLogTooLarge = errors.New("relay: catch-up too large")

// readLog returns the room's log entries created in sinceEpoch or later,
// in sequence order. It stops with errLogTooLarge once their messages
// pass maxBytes, so that a log of large messages is never read into
// memory whole.
func (s *store) readLog(ctx context.Context, room string, sinceEpoch uint64, maxBytes int) ([]logEntry, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT seq, epoch, kind, sender, message FROM log WHERE room = ? AND epoch >= ? ORDER BY seq`, room, int64(sinceEpoch))
	if err != nil {
		return nil, fmt.Errorf("relay: read log: %w", err)
	}
	defer rows.Close()
	var out []logEntry
	total := 0
	for rows.Next() {
		var e logEntry
		var seq, epoch int64
		if err := rows.Scan(&seq, &epoch, &e.kind, &e.sender, &e.message); err != nil {
			return nil, fmt.Errorf("relay: read log: %w", err)
		}
		if total += len(e.message); total > maxBytes {
			return nil, fmt.Errorf("%w: over %d bytes", errLogTooLarge, maxBytes)
		}
		e.seq, e.epoch = uint64(seq), uint64(epoch)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("relay: read log: %w", err)
	}
	return out, nil
}

// errKeyPackageLimit is returned when an upload would leave a client with
// more one-time KeyPackages than the relay keeps.
var errKeyPackageLimit = errors.New("relay: key package limit")

// addKeyPackages stores one-time KeyPackages (and a last-resort one if
// lastResort is not nil) for clientID and returns how many one-time ones
// it now holds.
func (s *store) addKeyPackages(ctx context.Context, clientID string, kps [][]byte, lastResort []byte, max int) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("relay: store key packages: %w", err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM key_packages WHERE client_id = ?`, clientID).Scan(&n); err != nil {
		return 0, fmt.Errorf("relay: store key packages: %w", err)
	}
	if n+len(kps) > max {
		return n, fmt.Errorf("%w: %d stored + %d uploaded > %d", errKeyPackageLimit, n, len(kps), max)
	}
	for _, kp := range kps {
		if _, err := tx.ExecContext(ctx, `INSERT INTO key_packages (client_id, data) VALUES (?, ?)`, clientID, kp); err != nil {
			return 0, fmt.Errorf("relay: store key packages: %w", err)
		}
	}
	if lastResort != nil {
		if _, err := tx.ExecContext(ctx, `INSERT INTO last_resort (client_id, data) VALUES (?, ?)
			ON CONFLICT (client_id) DO UPDATE SET data = excluded.data`, clientID, lastResort); err != nil {
			return 0, fmt.Errorf("relay: store last-resort key package: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("relay: store key packages: %w", err)
	}
	return n + len(kps), nil
}

// errNoKeyPackage is returned when a client has no KeyPackage at all.
var errNoKeyPackage = errors.New("relay: no key package")

// claimKeyPackage removes and returns the oldest one-time KeyPackage of
// clientID, or returns its last-resort KeyPackage (which stays) if none
// is left.
func (s *store) claimKeyPackage(ctx context.Context, clientID string) (kp []byte, lastResort bool, err error) {
	err = s.db.QueryRowContext(ctx, `DELETE FROM key_packages WHERE id =
		(SELECT id FROM key_packages WHERE client_id = ? ORDER BY id LIMIT 1) RETURNING data`, clientID).Scan(&kp)
	if err == nil {
		return kp, false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, false, fmt.Errorf("relay: claim key package: %w", err)
	}
	err = s.db.QueryRowContext(ctx, `SELECT data FROM last_resort WHERE client_id = ?`, clientID).Scan(&kp)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, errNoKeyPackage
	}
	if err != nil {
		return nil, false, fmt.Errorf("relay: claim key package: %w", err)
	}
	return kp, true, nil
}
