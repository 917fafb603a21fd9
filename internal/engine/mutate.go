package engine

import "time"

// mutateStream applies change to a live stream under the control lock and
// saves the catalog; if the save fails the change is undone. change works on
// the stream in place and returns an undo function, or an error to abort.
func (e *Engine) mutateStream(ref StreamRef, change func(s *stream, now time.Time) (undo func(), err error)) error {
	name, err := e.resolve(ref)
	if err != nil {
		return err
	}
	e.control.Lock()
	defer e.control.Unlock()
	now := e.now()
	e.mu.Lock()
	s := e.lookup(name, now)
	if s == nil {
		e.mu.Unlock()
		return e.streamNotFound(name)
	}
	undo, err := change(s, now)
	if err != nil {
		e.mu.Unlock()
		return err
	}
	doc := e.catalogDocLocked()
	e.mu.Unlock()
	if err := e.save(doc); err != nil {
		e.mu.Lock()
		undo()
		e.mu.Unlock()
		return err
	}
	return nil
}
