// Package throttle rejects requests on the client, before they are sent,
// when the backend has been refusing them: the adaptive throttling of
// Google's SRE book. An overloaded backend still spends effort on every
// request it refuses; a client that stops sending most of them gives it
// room to recover, while the few it lets through tell it when to resume.
//
// A [Throttle] is meant to be shared by every call to one backend (one
// per host). Before sending, a caller asks [Throttle.Allow]; after a
// request it let through, it reports whether the backend accepted it to
// [Throttle.Done]. Neither allocates.
//
// With the default K = 2 the client starts rejecting once the backend
// refuses more than half of what it is sent, and then sends about twice
// what the backend accepts: against a backend that takes 10 requests a
// second out of 100 offered, the client sends 20 and rejects 80 itself.
// The probability follows the counts of the last Window (2 minutes), so
// the client ramps back up within about that span once the backend
// accepts again.
package throttle
