"""The buttons of dispute mediation (`md:`), each family declared once (`bot.core.buttons`)."""

from __future__ import annotations

from bot.core.buttons import FLAG, INT, KEY, WORD, Prefix, choice
from bot.mediation.rules import KINDS, REFERRALS

MD = Prefix("md")
KIND = MD("k", choice(*KINDS))  # /mediate: the kind
INVITE = MD("inv")  # /mediate: the other side is a resident of the bot (a link)
SUBMIT = MD("ok", KEY)  # /mediate: confirm (the form's key)
CANCEL = MD("cancel")
CONSENT = MD("c", INT, FLAG)  # the mediator records the named side's answer
ACCEPT = MD("j", WORD, FLAG)  # the invited side answers the one-time link (its code)
VIEW = MD("v", INT)  # a case's card
SCHEDULE = MD("s", INT)  # the mediator: schedule a session
NO_HELPERS = MD("nh")
CAME = MD("a", INT, choice("applicant", "other"), FLAG)  # attendance of a session
OUTCOME = MD("o", INT, choice("succeeded", "partial", "failed"))
REFERRAL = MD("r", choice(*REFERRALS))
NO_PHOTO = MD("np")
ASSIGN = MD("m", INT, INT)  # the dispatch centre gives the case to a mediator
KEPT = MD("f", INT, FLAG)  # a party's answer to the follow-up (回访)
PHOTO = MD("p", INT)  # a case's card: the photo of the signed agreement (📎 协议照片)
LIST = MD("l", INT)  # /mediations: a page of the cases' buttons

PREFIXES = (MD,)
