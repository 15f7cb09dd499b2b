// Package build constructs the demo organization that package demo embeds.
// It is kept as Go literals rather than as hand-edited JSON so that every
// scenario can say in a comment what it models and which rules it is meant to
// trigger, and so that the file can never drift from the model: it is always
// written by directory.Snapshot.Write.
//
// Everything is deterministic: IDs are derived from names with a hash, people
// are drawn from fixed name lists in a fixed order, and the collection time is
// a constant. Running the generator twice gives the same bytes.
package build
