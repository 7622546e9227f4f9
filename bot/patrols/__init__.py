"""Patrols (巡查) by grid workers."""
