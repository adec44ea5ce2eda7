"""The SDK's resources (:class:`User`, :class:`Micropost`) and their managers."""

from microblog._resources.micropost import Micropost, MicropostManager
from microblog._resources.user import User, UserManager

__all__ = ["Micropost", "MicropostManager", "User", "UserManager"]
