"""Transfers between departments (调拨): requested, accepted by the receiver, approved by the office, and in the
books only when the receiver confirms each item's arrival."""
