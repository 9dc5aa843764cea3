"""Everything `backprop lab` downloads, pinned: one version (and for files, one hash) each.

Three kinds, all from the package registries (npm and PyPI), fetched once into a cache
(`nn.cli.lab.fetch`):

- `PYODIDE`: Python compiled to WebAssembly (the npm package `pyodide`: its runtime only,
  no Python packages). Its version is the one the pinned JupyterLite kernel was made for.
- `BROWSER_WHEELS`: the pure-Python wheels the lab loads in the browser: what backprop-lab
  needs there (graphviz, anywidget and theirs), what the JupyterLite kernel needs
  (IPython, jedi, comm, micropip and theirs; at the versions Pyodide 314.0.6 lists them),
  and hypothesis for lesson 02. Three of them also carry the lab's JupyterLab extensions.
- `BUILD_TOOLS`: installed into a virtualenv of the cache, never in the project's: the
  JupyterLite builder, its Pyodide kernel, jupyter-server (which indexes the lessons) and
  setuptools (which builds backprop-lab's wheel).
"""

from __future__ import annotations

from typing import NamedTuple


class Npm(NamedTuple):
    name: str
    version: str
    integrity: str  # what the npm registry publishes: sha512 of the tarball, base64


class Wheel(NamedTuple):
    name: str
    version: str
    sha256: str


PYODIDE = Npm("pyodide", "314.0.6", "sha512-BKDTJyIqFxC4BExLqeRS3f5xvXZIjOt8C3zGLN/Cc7tFxSwvK"
                                    "VhVkchQQ2AGLOtR4YrVOIFxbV8poyDOOmWwxQ==")
PYTHON_VERSION = "3.14"  # Pyodide 314's Python: the wheels must install there

#: The Pyodide kernel of JupyterLite; its wheel also holds the JupyterLab extension and the
#: kernel's own small wheels (pyodide-kernel, piplite, stand-ins of ipykernel and
#: widgetsnbextension).
KERNEL = Wheel("jupyterlite-pyodide-kernel", "0.8.6",
               "c9e698420e7f95f156c09c1474898ee6727b35b1740b369cb5f5aaa59ea73d3f")

BROWSER_WHEELS: tuple[Wheel, ...] = (
    # backprop-lab's dependencies in the browser (graphviz-pure, matplotlib, tqdm are not)
    Wheel("graphviz", "0.21", "54f33de9f4f911d7e84e4191749cac8cc5653f815b06738c54db9a15ab8b1e42"),
    Wheel("anywidget", "0.11.0",
          "c574d9acc6503ad27b37a9acea48f957a8ba7c9c9876cfcb37898931c098ce9d"),
    Wheel("psygnal", "0.16.1", "93b96894d8c46f0a3c0bfaaf8abe73f0d6db2c20cc6d303624cf08f85abc3c92"),
    Wheel("typing-extensions", "4.15.0",
          "f0fa19c6845758ab08074a0cfa8b7aecb71c999ca73d62883bc25cc018c4e548"),
    Wheel("ipywidgets", "8.1.9",
          "f2b8cbcaae10252b809fbe4d7470db75c09b769a32cbf816d20e5ca6d3c5a79d"),
    Wheel("jupyterlab-widgets", "3.0.17",
          "40ac1e9955acf116c4d995d9bfa082d86ad9ec6d91c4f134827cf5e0a5eb75e0"),
    Wheel("comm", "0.2.3", "c615d91d75f7f04f095b30d1c1711babd43bdc6419c1be9886a85f2f4e489417"),
    # the kernel's: IPython and what it needs, jedi (completion), micropip (%pip)
    Wheel("ipython", "9.12.0", "0f2701e8ee86e117e37f50563205d36feaa259d2e08d4a6bc6b6d74b18ce128d"),
    Wheel("ipython-pygments-lexers", "1.1.1",
          "a9462224a505ade19a605f71f8fa63c2048833ce50abc86768a0d81d876dc81c"),
    Wheel("asttokens", "3.0.1", "15a3ebc0f43c2d0a50eeafea25e19046c68398e487b9f1f5b517f7c0f40f976a"),
    Wheel("decorator", "5.2.1", "d316bb415a2d9e2d2b3abcc4084c6502fc09240e292cd76a76afc106a1c8e04a"),
    Wheel("executing", "2.2.1", "760643d3452b4d777d295bb167ccc74c64a81df23fb5e08eff250c425a4b2017"),
    Wheel("matplotlib-inline", "0.2.1",
          "d56ce5156ba6085e00a9d54fead6ed29a9c47e215cd1bba2e976ef39f5710a76"),
    Wheel("prompt-toolkit", "3.0.52",
          "9aac639a3bbd33284347de5ad8d68ecc044b91a762dc39b7c21095fcd6a19955"),
    Wheel("pure-eval", "0.2.3", "1db8e35b67b3d218d818ae653e27f06c3aa420901fa7b081ca98cbedc874e0d0"),
    Wheel("pygments", "2.20.0", "81a9e26dd42fd28a23a2d169d86d7ac03b46e2f8b59ed4698fb4785f946d0176"),
    Wheel("six", "1.17.0", "4721f391ed90541fddacab5acf947aa0d3dc7d27b2e1e8eda2be8970586c3274"),
    Wheel("stack-data", "0.6.3",
          "d5558e0c25a4cb0853cddad3d77da9891a08cb85dd9f9f91b9f8cd66e511e695"),
    Wheel("traitlets", "5.14.3",
          "b74e89e397b1ed28cc831db7aea759ba6640cb3de13090ca145426688ff1ac4f"),
    Wheel("wcwidth", "0.6.0", "1a3a1e510b553315f8e146c54764f4fb6264ffad731b3d78088cdb1478ffbdad"),
    Wheel("jedi", "0.19.2", "a8ef22bde8490f57fe5c7681a3c83cb58874daf72b4784de3cce5b6ef6edb5b9"),
    Wheel("parso", "0.8.6", "2c549f800b70a5c4952197248825584cb00f033b29c692671d3bf08bf380baff"),
    Wheel("micropip", "0.11.1", "768de165adb8e66906039d8fec4127a57f522dfdf8e6fbff877a4616941ecfd3"),
    Wheel("packaging", "26.1", "5d9c0669c6285e491e0ced2eee587eaf67b670d94a19e94e3984a481aba6802f"),
    # lesson 02: hypothesis (the last release with a pure-Python wheel) and what it needs
    Wheel("hypothesis", "6.155.7",
          "9f634bdb1f9e9b8ab6ba09431cf2deedb750c96978125a6fb3c5a0f6c6db4131"),
    Wheel("attrs", "26.1.0", "c647aa4a12dfbad9333ca4e71fe62ddc36f4e63b2d260a37a8b83d2f043ac309"),
    Wheel("sortedcontainers", "2.4.0",
          "a163dcaede0f1c021485e957a39245190e74249897e2ae4b2aa38595db237ee0"),
)

#: The wheels whose JupyterLab extension the lab carries (the widgets' front-ends and the
#: kernel's), by name.
EXTENSIONS = ("anywidget", "jupyterlab-widgets", KERNEL.name)

#: What the lab's kernel loads as it starts, so that nothing is installed while a lesson
#: runs: the kernel itself, backprop-lab (preinstalled) and hypothesis (lesson 02). Their
#: dependencies come along.
KERNEL_PACKAGES = ("micropip", "piplite", "ipykernel", "comm", "pyodide-kernel", "jedi",
                   "ipython", "backprop-lab", "hypothesis")

BUILD_TOOLS = ("jupyterlite-core==0.8.6", f"{KERNEL.name}=={KERNEL.version}",
               "jupyter-server==2.21.1", "setuptools==84.2.1")
