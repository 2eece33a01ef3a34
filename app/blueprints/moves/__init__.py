"""Migration in/out (迁入迁出): moves with cross-area approval, 分户, 死亡注销 and residence history."""
from flask import Blueprint

bp = Blueprint("moves", __name__)

from app.blueprints.moves import routes  # noqa: E402,F401
from app.blueprints.moves.history import register  # noqa: E402

register()
