"""The SDK's resources (:class:`User`, :class:`Micropost`) and their managers."""

from microblog._resources._model import Micropost, User
from microblog._resources.micropost import MicropostManager
from microblog._resources.user import UserManager

__all__ = ["Micropost", "MicropostManager", "User", "UserManager"]
