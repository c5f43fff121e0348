// Package perso is the domain of a self-hosted Amazon Personalize: the
// resources and their status machines, ARNs, the error kinds every adapter
// maps to its own protocol, and the interfaces of the metadata store and job
// queue. It performs no I/O.
package perso
